// 调拨: transfers between stores of the chain. Ship out (pick the store, scan each box, confirm: the boxes leave stock
// and a 3502 调拨出库 is reported) and receive in (HQ's manifests of boxes on their way here; scan each box, confirm:
// the boxes enter stock, 3502 调拨入库; missing and extra boxes are listed). Needs the chain HQ: without it the screen
// says so and the navigation hides it.
import { $, api, el, failed, fillRows, notify, shanghaiTime } from './lib.js';

const STATUS = { in_transit: '在途', received: '已收货' };
const state = { out: [], stores: [], inbound: null, scannedIn: [], data: null };

const storeName = (s) => (s.name ? `${s.name}（${s.store}）` : s.store);

/** Shows the navigation entry only on a box with HQ configured. */
export async function probe() {
  const r = await api('GET', '/api/transfers');
  const link = document.querySelector('#nav a[data-screen="transfers"]');
  if (link) link.hidden = !(r.status === 200 && r.body.enabled);
}

// ------------------------------------------------------------------ ship out

async function scanOut(ev) {
  ev.preventDefault();
  const input = $('tr-out-scan');
  const code = input.value.trim();
  input.value = '';
  if (!code) return;
  if (state.out.some((b) => b.raw === code || b.code === code)) return notify('error', `追溯码 ${code} 已扫描：每盒只扫一次`);
  const r = await api('POST', '/api/transfers/check', { code });
  if (r.status !== 200) return failed(r, '不能调出：');
  state.out.push({ raw: code, ...r.body });
  renderOut();
  input.focus();
  return true;
}

function renderOut() {
  fillRows(
    $('tr-out-rows'),
    state.out.map((b, i) =>
      el(
        'tr',
        {},
        el('td', {}, b.productName, el('div', { class: 'muted small' }, `批号 ${b.lot} · 效期 ${b.expiry}`)),
        el('td', { class: 'mono' }, b.code),
        el('td', { class: 'num' }, String(b.pieces)),
        el('td', {}, el('button', { type: 'button', onclick: () => (state.out.splice(i, 1), renderOut()) }, '移除')),
      ),
    ),
    4,
    '逐盒扫描要调出的药盒追溯码',
  );
  $('tr-out-count').textContent = `已扫 ${state.out.length} 盒`;
}

async function ship() {
  const toStore = $('tr-to').value;
  if (!toStore) return notify('error', '请先选择调入门店');
  if (state.out.length === 0) return notify('error', '请先逐盒扫描要调出的药盒');
  const r = await api('POST', '/api/transfers', { toStore, codes: state.out.map((b) => b.raw) });
  if (r.status !== 201) return failed(r, '调出未完成：');
  notify('ok', `已调出 ${r.body.boxes} 盒（调拨单 ${r.body.transferId}），药盒在途中，调入门店扫码收货后入账`);
  state.out = [];
  renderOut();
  await load(false);
  return true;
}

// ------------------------------------------------------------------ receive in

function openInbound(t) {
  state.inbound = t;
  state.scannedIn = [];
  $('tr-in-box').hidden = false;
  $('tr-in-title').textContent = `收货：调拨单 ${t.transferId}，来自 ${storeName(t.peer)}，${t.boxes} 盒`;
  renderIn();
  $('tr-in-scan').focus();
}

function renderIn() {
  const t = state.inbound;
  if (!t) return;
  const manifest = t.lines.flatMap((l) => l.codes.map((c) => ({ ...c, name: l.product.name, lot: l.lot, expiry: l.expiry })));
  // Matched on the code as scanned (20-digit codes); the box checks every scan again when confirming.
  const scanned = new Set(state.scannedIn);
  const extra = state.scannedIn.filter((c) => !manifest.some((m) => m.code === c));
  fillRows(
    $('tr-in-rows'),
    [
      ...manifest.map((m) =>
        el(
          'tr',
          { class: scanned.has(m.code) ? 'ok-row' : '' },
          el('td', {}, m.name, el('div', { class: 'muted small' }, `批号 ${m.lot} · 效期 ${m.expiry}`)),
          el('td', { class: 'mono' }, m.code),
          el('td', {}, scanned.has(m.code) ? '已扫' : '未扫'),
        ),
      ),
      ...extra.map((c) => el('tr', { class: 'warn-row' }, el('td', {}, '不在调拨单上'), el('td', { class: 'mono' }, c), el('td', {}, '多出'))),
    ],
    3,
    '调拨单没有药盒',
  );
  const matched = manifest.filter((m) => scanned.has(m.code)).length;
  $('tr-in-count').textContent = `应收 ${manifest.length} 盒 · 已扫 ${matched} 盒 · 未扫 ${manifest.length - matched} 盒 · 多出 ${extra.length} 盒`;
}

function scanIn(ev) {
  ev.preventDefault();
  const input = $('tr-in-scan');
  const code = input.value.trim();
  input.value = '';
  if (!code || !state.inbound) return;
  if (state.scannedIn.includes(code)) return notify('error', `追溯码 ${code} 已扫描：每盒只扫一次`);
  state.scannedIn.push(code);
  renderIn();
  return true;
}

async function receive() {
  const t = state.inbound;
  if (!t) return;
  const r = await api('POST', `/api/transfers/${encodeURIComponent(t.transferId)}/receive`, { codes: state.scannedIn });
  if (r.status !== 200) return failed(r, '收货未完成：');
  const d = r.body.discrepancy;
  const gaps = [d.missing.length ? `短少 ${d.missing.length} 盒` : '', d.extra.length ? `多出 ${d.extra.length} 盒（未入库）` : ''].filter(Boolean).join('，');
  notify(gaps ? 'error' : 'ok', `已收货入库 ${r.body.received} 盒${gaps ? `；${gaps}：差异已报总部，请与调出门店核对` : ''}`);
  state.inbound = null;
  $('tr-in-box').hidden = true;
  await load(false);
  return true;
}

// ------------------------------------------------------------------ lists

function discrepancyText(t) {
  if (!t.discrepancy) return t.status === 'received' ? '—' : '';
  const { missing, extra } = t.discrepancy;
  if (!missing.length && !extra.length) return '无差异';
  return [missing.length ? `短少 ${missing.length}：${missing.join('、')}` : '', extra.length ? `多出 ${extra.length}：${extra.join('、')}` : '']
    .filter(Boolean)
    .join('；');
}

function render() {
  const d = state.data;
  if (!d) return;
  const pending = d.transfers.filter((t) => t.direction === 'in' && t.status === 'in_transit');
  fillRows(
    $('tr-inbound'),
    pending.map((t) =>
      el(
        'tr',
        {},
        el('td', {}, storeName(t.peer)),
        el('td', { class: 'mono' }, t.transferId),
        el('td', {}, shanghaiTime(t.shippedAt)),
        el('td', { class: 'num' }, String(t.boxes)),
        el('td', {}, el('button', { type: 'button', class: 'primary', onclick: () => openInbound(t) }, '扫码收货')),
      ),
    ),
    5,
    '没有待收的调拨',
  );
  fillRows(
    $('tr-history'),
    d.transfers.map((t) =>
      el(
        'tr',
        { class: t.discrepancy && (t.discrepancy.missing.length || t.discrepancy.extra.length) ? 'warn-row' : '' },
        el('td', {}, t.direction === 'out' ? '调出' : '调入'),
        el('td', {}, storeName(t.peer)),
        el('td', { class: 'mono' }, t.transferId),
        el('td', {}, shanghaiTime(t.shippedAt)),
        el('td', { class: 'num' }, String(t.boxes)),
        el('td', {}, STATUS[t.status] || t.status),
        el('td', { class: 'small' }, discrepancyText(t)),
      ),
    ),
    7,
    '还没有调拨记录',
  );
}

async function load(refresh) {
  // Fetch HQ's manifests first (on demand when the screen opens); a failure still shows what the box already knows.
  if (refresh) {
    const r = await api('POST', '/api/transfers/refresh');
    if (r.status !== 200) failed(r, '未能从总部刷新调拨单：');
  }
  const r = await api('GET', '/api/transfers');
  if (r.status !== 200) return failed(r);
  state.data = r.body;
  $('tr-disabled').hidden = r.body.enabled;
  $('tr-body').hidden = !r.body.enabled;
  render();
  return true;
}

async function loadStores() {
  const r = await api('GET', '/api/transfers/stores');
  if (r.status !== 200) return failed(r, '未能从总部取得门店列表：');
  state.stores = r.body.stores;
  $('tr-to').replaceChildren(el('option', { value: '' }, '选择调入门店'), ...state.stores.map((s) => el('option', { value: s.store }, storeName(s))));
  return true;
}

export function init() {
  $('tr-out-form').addEventListener('submit', (ev) => void scanOut(ev));
  $('tr-ship').addEventListener('click', () => void ship());
  $('tr-in-form').addEventListener('submit', scanIn);
  $('tr-receive').addEventListener('click', () => void receive());
  $('tr-in-cancel').addEventListener('click', () => {
    state.inbound = null;
    $('tr-in-box').hidden = true;
  });
  renderOut();
}

export async function show() {
  if (await load(false)) {
    if (state.data.enabled) {
      await Promise.all([loadStores(), load(true)]);
    }
  }
}
