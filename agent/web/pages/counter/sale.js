// The sale on screen: open, reload, scan into it, remove a line, settle (insurance or self-pay).
import { api, problems } from './api.js';
import { focusScan } from './dialog.js';
import { showRefusals } from './refusals.js';
import { render, showStatus } from './render.js';
import { pinLineRefusals, saleOpen, state } from './state.js';

export async function newSale() {
  const r = await api('POST', '/api/sales', { counter: state.counter });
  if (r.status !== 201) return showRefusals(problems(r));
  state.saleId = r.body.id;
  state.sale = null;
  state.lineRefusals = [];
  state.selected = -1;
  showStatus('');
  await reload();
  focusScan();
}

/** The open sale, opening one when there is none (the cashier just starts scanning). */
export async function ensureSale() {
  // A sale left open (restart, sign-out) is resumed or voided first: never a second open sale beside it.
  if (!saleOpen() && state.leftOpen && state.leftOpen.length) {
    showStatus(`有未完成的销售单 #${state.leftOpen[0].id}：请先继续（Enter）或作废（Del）`, true);
    return null;
  }
  if (!saleOpen()) await newSale();
  return saleOpen() ? state.saleId : null;
}

export async function reload() {
  if (!state.saleId) return render();
  const r = await api('GET', `/api/sales/${state.saleId}`);
  if (r.status === 200) state.sale = r.body;
  render();
}

/** Another sale took over the screen (a device opened it): forget what belonged to the old one. */
export function follow(saleId) {
  if (!saleId || saleId === state.saleId) return;
  state.saleId = saleId;
  state.lineRefusals = [];
  state.selected = -1;
  showStatus('');
}

export async function scanCode(text) {
  const saleId = await ensureSale();
  if (!saleId) return;
  const r = await api('POST', `/api/sales/${saleId}/items`, { code: text });
  await reload();
  if (r.status === 200) {
    state.selected = state.sale ? state.sale.items.findIndex((i) => i.id === r.body.item.id) : -1;
    render();
    return;
  }
  pinLineRefusals(problems(r), false);
  render();
  showRefusals(problems(r), text);
}

export async function removeSelected() {
  if (!saleOpen() || state.selected < 0) return;
  const item = state.sale.items[state.selected];
  if (!item) return;
  const r = await api('DELETE', `/api/sales/${state.saleId}/items/${item.id}`);
  if (r.status !== 200) return showRefusals(problems(r));
  state.selected = Math.min(state.selected, state.sale.items.length - 2);
  await reload();
  showStatus(`已删除：${item.name || item.productId}${item.code ? `（追溯码 ${item.code}）` : ''}`);
}

export function moveSelection(delta) {
  const n = state.sale ? state.sale.items.length : 0;
  if (n === 0) return;
  state.selected = state.selected < 0 ? (delta > 0 ? 0 : n - 1) : Math.max(0, Math.min(n - 1, state.selected + delta));
  render();
}

export async function settle(payment, chronicDisease) {
  if (state.busy) return;
  if (!saleOpen()) return showRefusals([{ code: 'NO_OPEN_SALE', message: '没有进行中的订单：请按 F2 开新单并扫码' }]);
  state.busy = true;
  showStatus(payment === 'insurance' ? '医保结算中，请稍候…' : '自费结算中…');
  try {
    const r = await api('POST', `/api/sales/${state.saleId}/settle`, { payment, ...(chronicDisease ? { chronicDisease } : {}) });
    await reload();
    if (r.status === 200) {
      state.lineRefusals = [];
      render();
      showStatus(`${payment === 'insurance' ? '医保' : '自费'}结算成功 · 按 F10 打印小票，F2 开新单`);
    } else {
      showStatus('');
      pinLineRefusals(problems(r), true);
      render();
      showRefusals(problems(r));
    }
  } finally {
    state.busy = false;
  }
}
