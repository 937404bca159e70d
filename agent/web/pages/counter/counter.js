// 收银台: sign-in, sale, scanning (keyboard-wedge input and live server-sent scans), refusals, identity,
// settlement and the receipt. Plain browser JavaScript, no build step; every write goes through fetch with
// the session cookie (the browser adds the same-origin Origin header the agent checks).
'use strict';

const params = new URLSearchParams(location.search);
const COUNTER = params.get('counter') || 'counter-1';
const $ = (id) => document.getElementById(id);

const state = { user: null, saleId: null, sale: null, refusals: [], events: null, busy: false };

const INSUTYPE = { 310: '职工基本医疗保险', 390: '城乡居民基本医疗保险' };
const CODE_STATE = { scanned: '已扫码', missing: '缺追溯码', exempt: '免追溯码' };
const STATUS = { open: '进行中', settling: '结算中', settled: '已结算', voided: '已作废', reversed: '已退费' };

/** Fen (integer) → "¥12.34" with integer math only. */
function yuan(fen) {
  const n = Number(fen) || 0;
  const sign = n < 0 ? '-' : '';
  const a = Math.abs(Math.trunc(n));
  return `${sign}¥${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

/** Builds an element; children are nodes or text (never parsed as HTML). */
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body !== undefined ? { 'content-type': 'application/json' } : {},
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  let data = {};
  if (res.status !== 204) {
    try {
      data = await res.json();
    } catch {
      data = {};
    }
  }
  if (res.status === 401 && path !== '/api/login') showLogin('登录已过期，请重新登录');
  return { status: res.status, body: data };
}

// ------------------------------------------------------------------ beep and the refusal panel

let audio = null;
function beep() {
  try {
    audio = audio || new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = 'square';
    osc.frequency.value = 880;
    gain.gain.value = 0.2;
    osc.connect(gain).connect(audio.destination);
    const t = audio.currentTime;
    osc.start(t);
    osc.stop(t + 0.25);
  } catch {
    // no sound device: the red panel is still there
  }
}

function itemName(itemId, fallback) {
  const item = state.sale && state.sale.items.find((i) => i.id === itemId);
  if (item) return `${item.name || item.productId}${item.spec ? `（${item.spec}）` : ''}`;
  return fallback || '';
}

/** Shows refusals ({code, message, itemId?}) in the red panel; several together, each naming its item. */
function showRefusals(list, scanned) {
  if (!list || list.length === 0) return;
  for (const r of list) state.refusals.push({ ...r, scanned });
  const ul = $('refusal-list');
  ul.replaceChildren(
    ...state.refusals.map((r) => {
      const name = r.itemId !== undefined && r.itemId !== null ? itemName(r.itemId) : '';
      return el(
        'li',
        { 'data-code': r.code || '' },
        el('div', { class: 'refusal-msg' }, r.message || r.code),
        el('div', { class: 'refusal-item' }, [name ? `商品：${name}` : '', r.scanned ? `扫码内容：${r.scanned}` : ''].filter(Boolean).join('\u3000')),
      );
    }),
  );
  $('refusals').hidden = false;
  beep();
}

function dismissRefusals() {
  state.refusals = [];
  $('refusals').hidden = true;
  focusScan();
}

function problems(r) {
  if (r.body && Array.isArray(r.body.refused) && r.body.refused.length) return r.body.refused;
  if (r.body && Array.isArray(r.body.errors) && r.body.errors.length) return r.body.errors;
  return [{ code: `HTTP_${r.status}`, message: `操作失败（${r.status}）：请重试或联系技术员` }];
}

// ------------------------------------------------------------------ sign-in

function showLogin(message) {
  state.user = null;
  closeEvents();
  $('counter').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message || '';
  $('login-pin').value = '';
  ($('login-user').value ? $('login-pin') : $('login-user')).focus();
}

function showCounter() {
  $('login').hidden = true;
  $('counter').hidden = false;
  $('who').textContent = state.user.displayName || state.user.username;
  $('counter-name').textContent = COUNTER;
  openEvents();
  render();
  focusScan();
}

async function login(ev) {
  ev.preventDefault();
  const username = $('login-user').value.trim();
  const password = $('login-pin').value;
  if (!username || !password) return;
  const r = await api('POST', '/api/login', { username, password });
  if (r.status === 200) {
    state.user = r.body.user;
    showCounter();
  } else {
    $('login-error').textContent = problems(r).map((p) => p.message).join('；');
    $('login-pin').value = '';
    $('login-pin').focus();
  }
}

async function logout() {
  await api('POST', '/api/logout');
  state.saleId = null;
  state.sale = null;
  showLogin('已退出');
}

// ------------------------------------------------------------------ sale

async function newSale() {
  const r = await api('POST', '/api/sales', { counter: COUNTER });
  if (r.status !== 201) return showRefusals(problems(r));
  state.saleId = r.body.id;
  state.sale = null;
  $('receipt').hidden = true;
  await reload();
  focusScan();
}

async function reload() {
  if (!state.saleId) return render();
  const r = await api('GET', `/api/sales/${state.saleId}`);
  if (r.status === 200) state.sale = r.body;
  render();
}

const saleOpen = () => state.sale && state.sale.status === 'open';

async function scan(text) {
  if (!text) return;
  if (!saleOpen()) await newSale();
  if (!state.saleId) return;
  const r = await api('POST', `/api/sales/${state.saleId}/items`, { code: text });
  await reload();
  if (r.status !== 200) showRefusals(problems(r), text);
}

async function identify(text) {
  if (!text) return;
  if (!saleOpen()) await newSale();
  if (!state.saleId) return;
  // 18 characters of an ID number → 身份证 (02); anything else is the 医保电子凭证 QR text (01).
  const certType = /^[0-9]{17}[0-9Xx]$/.test(text) ? '02' : '01';
  $('status').textContent = '正在查询参保信息…';
  const r = await api('PUT', `/api/sales/${state.saleId}/identity`, { certType, certNo: text });
  $('status').textContent = '';
  await reload();
  if (r.status !== 200) showRefusals(problems(r));
}

async function settle(payment) {
  if (state.busy) return;
  if (!saleOpen()) return showRefusals([{ code: 'NO_OPEN_SALE', message: '没有进行中的订单：请按 F2 开新单并扫码' }]);
  state.busy = true;
  $('status').textContent = payment === 'insurance' ? '医保结算中，请稍候…' : '自费结算中…';
  try {
    const r = await api('POST', `/api/sales/${state.saleId}/settle`, { payment });
    await reload();
    if (r.status === 200) {
      renderTotals(r.body.totals);
      $('status').textContent = `${payment === 'insurance' ? '医保' : '自费'}结算成功 · 按 F10 打印小票`;
    } else {
      $('status').textContent = '';
      showRefusals(problems(r));
    }
  } finally {
    state.busy = false;
  }
}

// ------------------------------------------------------------------ rendering

function render() {
  const sale = state.sale;
  $('sale-title').textContent = sale ? `单号 ${sale.id} · ${STATUS[sale.status] || sale.status}` : '未开单';
  const items = sale ? sale.items : [];
  $('lines').replaceChildren(
    ...items.map((i, n) =>
      el(
        'tr',
        { 'data-item': String(i.id), class: i.codeState === 'missing' ? 'missing' : '' },
        el('td', {}, n + 1),
        el('td', {}, i.name || i.productId, i.rx ? el('span', { class: 'tag rx' }, '处方') : null, i.split ? el('span', { class: 'tag' }, '拆零') : null),
        el('td', {}, i.spec || ''),
        el('td', {}, i.lot || '—'),
        el('td', { class: i.expired ? 'bad' : '' }, i.expiry || '—'),
        el('td', { class: 'num' }, i.pieces),
        el('td', { class: 'num' }, yuan(i.price)),
        el('td', { class: `code-state ${i.codeState}` }, CODE_STATE[i.codeState] || i.codeState),
      ),
    ),
  );
  $('empty').hidden = items.length > 0;
  $('empty').textContent = sale ? '请扫描药品追溯码' : '按 F2 开新单，然后扫描药品追溯码';
  $('total').textContent = yuan(sale ? sale.total : 0);
  renderPerson(sale && sale.identity);
  const totals = sale && sale.settlement && sale.settlement.totals;
  if (totals) renderTotals(totals);
  else $('totals').hidden = true;
  if (sale && sale.status === 'settled') renderReceipt(sale);
  else $('receipt').hidden = true;
}

function renderPerson(p) {
  const box = $('person');
  if (!p) {
    box.className = 'person muted';
    box.replaceChildren('未读取身份（刷医保电子凭证或身份证）');
    return;
  }
  box.className = 'person';
  box.replaceChildren(
    ...[
    el('div', { class: 'person-name' }, p.name || ''),
    el('div', {}, `证件号 ${p.certNo || ''}`),
    p.insutype ? el('div', {}, `险种 ${INSUTYPE[p.insutype] || p.insutype}`) : null,
    p.balance !== undefined && p.balance !== null ? el('div', {}, `个人账户余额 ${yuan(p.balance)}`) : null,
    ].filter(Boolean),
  );
}

function renderTotals(t) {
  if (!t) return;
  $('totals').hidden = false;
  $('total').textContent = yuan(t.total);
  $('fund-pay').textContent = yuan(t.fundPay);
  $('account-pay').textContent = yuan(t.accountPay);
  $('cash-pay').textContent = yuan(t.cashPay);
}

/** ISO instant → Shanghai wall-clock "2026-11-22 10:00:02". */
function shanghaiTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(d);
}

function renderReceipt(sale) {
  const t = (sale.settlement && sale.settlement.totals) || { total: sale.total, fundPay: 0, accountPay: 0, cashPay: sale.total };
  $('receipt-meta').replaceChildren(
    ...[
    el('div', {}, `单号 ${sale.id}\u3000收银台 ${sale.counter || COUNTER}`),
    el('div', {}, `时间 ${shanghaiTime(sale.settledAt)}`),
    el('div', {}, `收银员 ${state.user ? state.user.displayName || state.user.username : ''}\u3000${sale.payment === 'insurance' ? '医保结算' : '自费'}`),
    sale.identity ? el('div', {}, `参保人 ${sale.identity.name}\u3000${sale.identity.certNo}`) : null,
    ].filter(Boolean),
  );
  const rows = [];
  for (const i of sale.items) {
    rows.push(el('tr', {}, el('td', {}, `${i.name || i.productId} ${i.spec || ''}`), el('td', { class: 'num' }, i.pieces), el('td', { class: 'num' }, yuan(i.price))));
    rows.push(
      el(
        'tr',
        { class: 'receipt-code' },
        el('td', { colspan: '3' }, `批号 ${i.lot || '—'}\u3000有效期 ${i.expiry || '—'}`, el('br'), i.code ? `追溯码 ${i.code}` : `追溯码 ${CODE_STATE[i.codeState] || ''}`),
      ),
    );
  }
  $('receipt-lines').replaceChildren(...rows);
  const dl = $('receipt-totals');
  dl.replaceChildren(
    el('dt', {}, '合计'), el('dd', {}, yuan(t.total)),
    el('dt', {}, '统筹基金支付'), el('dd', {}, yuan(t.fundPay)),
    el('dt', {}, '个人账户支付'), el('dd', {}, yuan(t.accountPay)),
    el('dt', {}, '现金支付'), el('dd', {}, yuan(t.cashPay)),
  );
  $('receipt').hidden = false;
}

// ------------------------------------------------------------------ live events (serial / HID scanners, ID readers)

function openEvents() {
  closeEvents();
  const es = new EventSource(`/api/events?counter=${encodeURIComponent(COUNTER)}`);
  es.addEventListener('scan', (m) => {
    const e = JSON.parse(m.data);
    if (e.receiving) return;
    if (e.saleId && e.saleId !== state.saleId) {
      state.saleId = e.saleId; // the router opened a sale for this counter
      $('receipt').hidden = true;
    }
    void reload().then(() => {
      if (e.refused && e.refused.length) showRefusals(e.refused, e.text);
      else if (e.error) showRefusals([e.error], e.text);
    });
  });
  es.addEventListener('identity', (m) => {
    const e = JSON.parse(m.data);
    if (e.saleId && e.saleId !== state.saleId) state.saleId = e.saleId;
    void reload().then(() => {
      if (e.refused && e.refused.length) showRefusals(e.refused);
      else if (e.error) showRefusals([e.error]);
    });
  });
  es.addEventListener('device', () => void loadHealth());
  state.events = es;
}

function closeEvents() {
  if (state.events) state.events.close();
  state.events = null;
}

// ------------------------------------------------------------------ alarms

async function loadHealth() {
  try {
    const res = await fetch('/api/health', { credentials: 'same-origin' });
    const h = await res.json();
    const alarms = Array.isArray(h.alarms) ? h.alarms : [];
    const box = $('alarms');
    box.replaceChildren(...alarms.map((a) => el('div', { 'data-code': a.code || '' }, `⚠ ${a.message || a.code}`)));
    box.hidden = alarms.length === 0;
  } catch {
    const box = $('alarms');
    box.replaceChildren(el('div', {}, '⚠ 无法连接本机服务：请检查收银机'));
    box.hidden = false;
  }
}

// ------------------------------------------------------------------ keyboard

function focusScan() {
  if (!$('counter').hidden && document.activeElement !== $('identity')) $('scan').focus();
}

function onKey(ev) {
  if (!state.user) return;
  const keys = {
    F2: () => newSale(),
    F4: () => $('identity').focus(),
    F8: () => settle('insurance'),
    F9: () => settle('self_pay'),
    F10: () => state.sale && state.sale.status === 'settled' && window.print(),
    F12: () => logout(),
    Escape: () => {
      if (!$('refusals').hidden) dismissRefusals();
      else {
        $('identity').blur();
        focusScan();
      }
    },
  };
  const run = keys[ev.key];
  if (!run) return;
  ev.preventDefault();
  void run();
}

function init() {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', () => void logout());
  $('new-sale').addEventListener('click', () => void newSale());
  $('scan').addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter') return;
    ev.preventDefault();
    const text = $('scan').value.trim();
    $('scan').value = '';
    void scan(text);
  });
  $('identity').addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter') return;
    ev.preventDefault();
    const text = $('identity').value.trim();
    $('identity').value = '';
    $('identity').blur();
    focusScan();
    void identify(text);
  });
  // The scanner input always has the focus (the identity field only while the cashier types in it).
  $('scan').addEventListener('blur', () => setTimeout(focusScan, 0));
  $('identity').addEventListener('blur', () => setTimeout(focusScan, 0));
  document.addEventListener('keydown', onKey);
  document.addEventListener('click', () => setTimeout(focusScan, 0));
  void loadHealth();
  setInterval(() => void loadHealth(), 30_000);
  void api('GET', '/api/me').then((r) => {
    if (r.status === 200) {
      state.user = r.body.user;
      showCounter();
    } else showLogin('');
  });
}

document.addEventListener('DOMContentLoaded', init);
