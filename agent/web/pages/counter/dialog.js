// Modal dialogs (prescription, consent, settlement type) and where the keyboard focus belongs: the
// scanner input, unless a dialog or the identity field is in use (a keyboard-wedge scanner types
// wherever the focus is).
import { $ } from './dom.js';

let current = null;

export const dialogOpen = () => current !== null;

export function openDialog(id, focusId) {
  if (current && current !== id) $(current).hidden = true;
  current = id;
  $(id).hidden = false;
  $(focusId || id).focus();
}

export function closeDialog() {
  if (current) $(current).hidden = true;
  current = null;
  focusScan();
}

export function focusScan() {
  if ($('counter').hidden || current !== null || document.activeElement === $('identity')) return;
  $('scan').focus();
}
