// One customer at a time (issue 14): the counter's screen holds one sale. At sign-in the page tells the box who
// is at this counter and asks what was left open (a restart, a sign-out, an abandoned sale): each such sale is
// resumed (Enter) or voided (Del) explicitly — the next customer's scans never join it. F2 on a sale with lines
// or an identity, and F3, ask before voiding.
import { api, problems } from './api.js';
import { closeDialog, dialogOpen, openDialog } from './dialog.js';
import { $, el } from './dom.js';
import { showRefusals } from './refusals.js';
import { showStatus } from './render.js';
import { follow, newSale, reload } from './sale.js';
import { saleOpen, state } from './state.js';

const time = (iso) => (iso ? new Date(iso).toLocaleTimeString('zh-CN', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit' }) : '—');

let pending = null; // what the void dialog does once confirmed

/** After sign-in: this counter is attended by the signed-in user; take back its sale on screen, if any. */
export async function attendCounter() {
  const r = await api('POST', `/api/counters/${encodeURIComponent(state.counter)}/attend`);
  if (r.status === 200 && r.body.saleId) {
    follow(r.body.saleId);
    await reload();
  }
  await checkLeftOpen();
}

/** Sales of this counter left open and not on screen: ask the cashier about the first one. */
export async function checkLeftOpen() {
  const r = await api('GET', `/api/counters/${encodeURIComponent(state.counter)}`);
  state.leftOpen = r.status === 200 ? r.body.leftOpen : [];
  if (r.status === 200 && r.body.store) state.store = r.body.store;
  // The counter's name (config counters, default N号收银台), not its id.
  if (r.status === 200 && r.body.counterName) {
    state.counterName = r.body.counterName;
    $('counter-name').textContent = r.body.counterName;
  }
  if (state.leftOpen.length === 0) {
    if (dialogOpen() && !$('left-dialog').hidden) closeDialog();
    return;
  }
  const s = state.leftOpen[0];
  $('left-count').textContent = state.leftOpen.length > 1 ? `（共 ${state.leftOpen.length} 单，逐单处理）` : '';
  $('left-sale').replaceChildren(
    el('li', {}, `单号 ${s.id} · ${time(s.openedAt)} 开单 · 收银员 ${s.openedByName || s.openedBy || '—'}`),
    el('li', {}, `${s.lines} 行商品`, s.personName ? ` · 参保人 ${s.personName}` : ' · 未识别参保人'),
  );
  openDialog('left-dialog', 'left-box');
}

async function resumeLeft() {
  const s = state.leftOpen[0];
  if (!s) return closeDialog();
  const r = await api('POST', `/api/counters/${encodeURIComponent(state.counter)}/resume`, { saleId: s.id });
  closeDialog();
  if (r.status !== 200) return showRefusals(problems(r));
  follow(s.id);
  await reload();
  showStatus(`已继续单号 ${s.id}：请核对顾客是否为同一人`);
  await checkLeftOpen();
}

async function voidLeft() {
  const s = state.leftOpen[0];
  if (!s) return closeDialog();
  const r = await api('POST', `/api/sales/${s.id}/void`, { reason: '收银员作废（上次未完成）' });
  closeDialog();
  if (r.status !== 200) return showRefusals(problems(r));
  showStatus(`已作废单号 ${s.id}，其商品已释放`);
  await checkLeftOpen();
}

/** F2: a sale with lines or an identity is voided only after the cashier confirms; an empty one quietly. */
export async function startNewSale() {
  if (state.leftOpen && state.leftOpen.length) return checkLeftOpen();
  const sale = state.sale;
  if (!saleOpen()) return newSale();
  if (sale.items.length === 0 && !sale.identity) {
    await api('POST', `/api/sales/${sale.id}/void`, { reason: '开新单（空单）' });
    return newSale();
  }
  return confirmVoid(() => newSale());
}

/** F3: void the sale on screen (after confirming). */
export async function voidCurrent() {
  if (!saleOpen()) return showStatus('没有进行中的销售单可作废', true);
  return confirmVoid(async () => {
    await reload();
    showStatus('已作废：按 F2 开新单');
  });
}

function confirmVoid(then) {
  const sale = state.sale;
  $('void-sale').textContent = `单号 ${sale.id}：${sale.items.length} 行商品${sale.identity ? `，参保人 ${sale.identity.name}` : ''}。作废后商品释放、不结算。`;
  pending = async () => {
    const r = await api('POST', `/api/sales/${sale.id}/void`, { reason: '收银员作废' });
    closeDialog();
    if (r.status !== 200) return showRefusals(problems(r));
    await then();
  };
  openDialog('void-dialog', 'void-box');
}

export function initLifecycle() {
  $('left-box').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') void resumeLeft();
    else if (ev.key === 'Delete') void voidLeft();
    else return;
    ev.preventDefault();
  });
  $('void-box').addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter' || !pending) return;
    ev.preventDefault();
    const run = pending;
    pending = null;
    void run();
  });
}
