// F8 for a person with a registered chronic/special disease (门慢特病): the cashier picks an ordinary
// pharmacy purchase or the disease whose entitlement (and drug list, 一病一清单) this sale uses.
import { closeDialog, dialogOpen, openDialog } from './dialog.js';
import { $, el } from './dom.js';
import { settle } from './sale.js';
import { state } from './state.js';

let options = [];
let chosen = 0;

export function startInsuranceSettle() {
  const diseases = (state.sale && state.sale.identity && state.sale.identity.chronicDiseases) || [];
  if (state.sale && state.sale.status === 'open' && diseases.length > 0) return openKinds(diseases);
  return settle('insurance');
}

function openKinds(diseases) {
  options = [
    { code: undefined, label: '普通购药（定点药店）' },
    ...diseases.map((d) => ({ code: d.code, label: `门慢特病：${d.name || d.code}（${d.code}）` })),
  ];
  chosen = 0;
  draw();
  openDialog('kind-dialog', 'kind-box');
}

function draw() {
  $('kind-options').replaceChildren(
    ...options.map((o, n) => el('li', { class: n === chosen ? 'chosen' : '', 'data-kind': o.code || 'ordinary' }, el('kbd', {}, String(n + 1)), ` ${o.label}`)),
  );
}

function choose(n) {
  const o = options[n];
  if (!o || !dialogOpen()) return;
  closeDialog();
  void settle('insurance', o.code);
}

export function initSettleKind() {
  $('kind-box').addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      chosen = (chosen + (ev.key === 'ArrowDown' ? 1 : options.length - 1)) % options.length;
      draw();
    } else if (ev.key === 'Enter') choose(chosen);
    else if (/^[1-9]$/.test(ev.key)) choose(Number(ev.key) - 1);
    else return;
    ev.preventDefault();
  });
}
