// 告知同意 (F7): out-of-catalogue medical goods sold to an insured person are paid by the person, and only
// after they were told so and agreed (seed 000). The dialog lists those lines; Enter records the consent
// with PUT /api/sales/:id/consent (the products already consented to stay in the list sent).
import { api, problems } from './api.js';
import { closeDialog, openDialog } from './dialog.js';
import { $, el, productLabel, yuan } from './dom.js';
import { showStatus } from './render.js';
import { reload } from './sale.js';
import { consentPending, saleOpen, state } from './state.js';

let pending = [];

export function openConsent() {
  if (!saleOpen()) return showStatus('没有进行中的订单：请先按 F2 开新单并扫码', true);
  pending = consentPending();
  $('consent-items').replaceChildren(
    ...(pending.length
      ? pending.map((i) => el('li', { 'data-product': i.productId }, el('span', {}, productLabel(i)), el('span', { class: 'num' }, `自费 ${yuan(i.price)}`)))
      : [el('li', { class: 'muted' }, '本单没有需要告知同意的目录外药品')]),
  );
  const person = state.sale.identity;
  $('consent-person').textContent = person ? `参保人：${person.name}（${person.certNo}）` : '尚未识别参保人（医保结算前请先识别）';
  $('consent-error').textContent = '';
  $('consent-confirm').hidden = pending.length === 0;
  openDialog('consent-dialog', 'consent-box');
}

async function confirmConsent() {
  if (pending.length === 0) return closeDialog();
  const productIds = [...new Set([...(state.sale.consents || []), ...pending.map((i) => i.productId)])];
  const r = await api('PUT', `/api/sales/${state.saleId}/consent`, { productIds });
  if (r.status !== 200) {
    $('consent-error').textContent = problems(r)
      .map((x) => x.message)
      .join('；');
    return;
  }
  closeDialog();
  await reload();
  showStatus(`已登记告知同意：${[...new Set(pending.map((i) => i.name || i.productId))].join('、')}`);
}

export function initConsent() {
  $('consent-box').addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter') return;
    ev.preventDefault();
    void confirmConsent();
  });
}
