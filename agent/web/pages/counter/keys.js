// Every key the cashier uses (all shown in the key bar at the bottom of the screen). While a dialog is
// open it owns the keyboard (Esc closes it); while the red panel is open, Esc closes it and a step key
// (F4, F6, F7, F9 ...) closes it and does that step.

import { openConsent } from './consent.js';
import { closeDialog, dialogOpen, focusScan } from './dialog.js';
import { $ } from './dom.js';
import { identify, isEVoucherQr } from './identity.js';
import { startNewSale, voidCurrent } from './lifecycle.js';
import { logout } from './login.js';
import { togglePharmacist } from './pharmacist.js';
import { openPrescription } from './prescription.js';
import { dismissRefusals, refusalsOpen } from './refusals.js';
import { moveSelection, removeSelected, scanCode, settle } from './sale.js';
import { startInsuranceSettle } from './settle-kind.js';
import { state } from './state.js';

const scanEmpty = () => $('scan').value === '';

const KEYS = {
  F2: () => startNewSale(),
  F3: () => voidCurrent(),
  F4: () => $('identity').focus(),
  F5: () => togglePharmacist(),
  F6: () => openPrescription(),
  F7: () => openConsent(),
  F8: () => startInsuranceSettle(),
  F9: () => settle('self_pay'),
  F10: () => state.sale && state.sale.status === 'settled' && window.print(),
  F12: () => logout(),
  ArrowUp: () => moveSelection(-1),
  ArrowDown: () => moveSelection(1),
  Delete: () => removeSelected(),
};

const LINE_KEYS = new Set(['ArrowUp', 'ArrowDown', 'Delete']);

function onKey(ev) {
  if (!state.user) return;
  if (dialogOpen()) {
    if (ev.key === 'Escape') {
      ev.preventDefault();
      closeDialog();
    } else if (/^F\d+$/.test(ev.key)) ev.preventDefault(); // no settling from inside a form
    return;
  }
  if (ev.key === 'Escape') {
    ev.preventDefault();
    if (refusalsOpen()) dismissRefusals();
    $('identity').blur();
    focusScan();
    return;
  }
  const run = KEYS[ev.key];
  if (!run) return;
  // Line keys belong to the line list, not to a field being typed in (Del there deletes characters).
  const typing = document.activeElement === $('identity') || !scanEmpty();
  if (LINE_KEYS.has(ev.key) && typing) return;
  ev.preventDefault();
  if (refusalsOpen()) dismissRefusals();
  void run();
}

/** Enter in the scanner input: an e-voucher QR identifies the buyer; anything else is a drug's code. */
function onScanEnter(ev) {
  if (ev.key !== 'Enter') return;
  ev.preventDefault();
  const text = $('scan').value.trim();
  $('scan').value = '';
  if (!text) return;
  void (isEVoucherQr(text) ? identify(text) : scanCode(text));
}

function onIdentityEnter(ev) {
  if (ev.key !== 'Enter') return;
  ev.preventDefault();
  const text = $('identity').value.trim();
  $('identity').value = '';
  $('identity').blur();
  focusScan();
  void identify(text);
}

export function initKeys() {
  document.addEventListener('keydown', onKey);
  $('scan').addEventListener('keydown', onScanEnter);
  $('identity').addEventListener('keydown', onIdentityEnter);
  // The scanner input keeps the focus (the identity field only while the cashier types in it).
  $('scan').addEventListener('blur', () => setTimeout(focusScan, 0));
  $('identity').addEventListener('blur', () => setTimeout(focusScan, 0));
  document.addEventListener('click', () => setTimeout(focusScan, 0));
}
