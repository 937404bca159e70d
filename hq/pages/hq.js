// 连锁总部 page: plain browser ES module, no build step, no CDN. Every call carries the session cookie; every
// figure comes from /hq/api/*, already limited to the viewer's stores (a regional manager's totals are theirs).

const $ = (id) => document.getElementById(id);

/** el('td', { class: 'num' }, 'text', childNode…) */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : String(v));
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

async function api(method, path, body) {
  try {
    const res = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {} };
  } catch {
    return { status: 0, body: { message: '无法连接总部服务：请检查网络后刷新页面' } };
  }
}

function notify(message) {
  const box = $('notice');
  box.className = 'notice error';
  box.textContent = message;
  box.hidden = !message;
}

/** Fen → "¥1,234.50" with integer math only. */
function yuan(fen) {
  const n = Math.trunc(Number(fen) || 0);
  const a = Math.abs(n);
  return `${n < 0 ? '-' : ''}¥${Math.floor(a / 100).toLocaleString('en-US')}.${String(a % 100).padStart(2, '0')}`;
}
const count = (n) => Number(n || 0).toLocaleString('en-US');

function shownAt(isoText) {
  if (!isoText) return '—';
  return new Date(isoText).toLocaleString('zh-CN', {
    timeZone: 'Asia/Shanghai',
    hour12: false,
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
}

function ago(isoText) {
  if (!isoText) return '从未';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(isoText)) / 1000));
  return duration(s) + '前';
}

function duration(s) {
  if (s < 60) return `${s} 秒`;
  if (s < 3600) return `${Math.floor(s / 60)} 分钟`;
  if (s < 86400) return `${Math.floor(s / 3600)} 小时 ${Math.floor((s % 3600) / 60)} 分`;
  return `${Math.floor(s / 86400)} 天 ${Math.floor((s % 86400) / 3600)} 小时`;
}

function table(id, head, rows, foot, emptyText) {
  const t = $(id);
  t.replaceChildren(
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        head.map(([text, cls]) => el('th', { class: cls }, text)),
      ),
    ),
    el('tbody', {}, rows.length ? rows : el('tr', {}, el('td', { class: 'empty', colspan: head.length }, emptyText))),
  );
  if (foot && rows.length) t.append(el('tfoot', {}, foot));
}

const num = (v) => el('td', { class: 'num' }, v);

// ------------------------------------------------------------------ screens

const FLAG_NAMES = { HASH_MISMATCH: '记录被改动', CHANGED_EVENT: '账本被重写', FORK: '账本分叉', GAP: '记录缺失' };

async function showStores() {
  const r = await api('GET', '/hq/api/stores');
  if (r.status !== 200) return failed(r);
  // Stores that need someone first (broken chain, then alarms or lag), then by name: with hundreds of stores the top rows matter.
  const trouble = (s) => (s.flag ? 3 : 0) + (s.alarms.length || s.outboxFailed ? 2 : 0) + ((s.lagEvents ?? 0) > 0 ? 1 : 0);
  const stores = [...r.body.stores].sort((a, b) => trouble(b) - trouble(a) || a.name.localeCompare(b.name, 'zh-CN'));
  const lagging = stores.filter((s) => (s.lagEvents ?? 0) > 0 || !s.lastContactAt || Date.now() - Date.parse(s.lastContactAt) > 10 * 60_000);
  const alarmed = stores.filter((s) => s.alarms.length > 0);
  const flagged = stores.filter((s) => s.flag);
  const kpi = (label, value, cls) => el('div', { class: `kpi ${cls}` }, el('div', { class: 'kpi-label' }, label), el('div', { class: 'kpi-value' }, value));
  $('stores-kpis').replaceChildren(
    kpi('门店', count(stores.length), ''),
    kpi('同步滞后或失联', count(lagging.length), lagging.length ? 'warn' : ''),
    kpi('有告警', count(alarmed.length), alarmed.length ? 'warn' : ''),
    kpi('账本链异常', count(flagged.length), flagged.length ? 'bad' : ''),
  );
  const rows = stores.map((s) => {
    const stale = !s.lastContactAt || Date.now() - Date.parse(s.lastContactAt) > 10 * 60_000;
    const lag =
      s.lagEvents === null
        ? el('span', { class: 'muted' }, '未上报')
        : s.lagEvents === 0
          ? el('span', { class: 'ok' }, '已同步')
          : el('span', { class: 'warn' }, `${count(s.lagEvents)} 条 · ${duration(s.lagSeconds ?? 0)}`);
    const backlog =
      s.outboxBacklog === null
        ? el('span', { class: 'muted' }, '未上报')
        : el(
            'span',
            { class: s.outboxFailed ? 'bad' : s.outboxBacklog ? 'warn' : '' },
            `${count(s.outboxBacklog)} 条${s.outboxFailed ? `（失败 ${count(s.outboxFailed)}）` : ''}`,
          );
    const alarms = s.alarms.length
      ? el(
          'ul',
          { class: 'alarms' },
          s.alarms.map((a) => el('li', { title: a.code }, a.message)),
        )
      : el('span', { class: 'ok' }, '无');
    const chain = s.flag
      ? el('span', { class: 'bad', title: s.flag.detail }, `${FLAG_NAMES[s.flag.code] ?? s.flag.code}（第 ${s.flag.seq} 条）`)
      : el('span', { class: 'ok' }, '正常');
    return el(
      'tr',
      { 'data-store': s.store },
      el('td', {}, s.name, s.version ? el('div', { class: 'muted small' }, `版本 ${s.version}`) : null),
      el('td', { class: stale ? 'warn' : '' }, ago(s.lastContactAt)),
      el('td', {}, lag),
      el('td', {}, backlog),
      el('td', {}, alarms),
      el('td', {}, chain),
      num(s.codeFlags ? el('span', { class: 'bad' }, count(s.codeFlags)) : '0'),
    );
  });
  table(
    'stores-table',
    [['门店'], ['最后联系'], ['同步滞后'], ['平台积压'], ['告警'], ['账本链'], ['标记码', 'num']],
    rows,
    null,
    '还没有门店注册：用 counter-agent hq enrol-code 为门店签发注册码',
  );
}

/** Per-store columns while they fit the screen; beyond that the table lists how many stores hold the product. */
const MAX_STORE_COLUMNS = 6;

async function showStock() {
  const r = await api('GET', '/hq/api/stock');
  if (r.status !== 200) return failed(r);
  const { stores, products, nearExpiry, nearExpiryDays } = r.body;
  const perStore = stores.length <= MAX_STORE_COLUMNS;
  const head = [
    ['药品'],
    ...(perStore ? stores.map((s) => [s.name, 'num']) : [['有货门店', 'num']]),
    ['合计（件）', 'num'],
    [`${nearExpiryDays} 天内到期（件）`, 'num'],
  ];
  const rows = products.map((p) =>
    el(
      'tr',
      {},
      el('td', {}, p.name, el('div', { class: 'muted small' }, [p.spec, p.piecesPerPack ? `每盒 ${p.piecesPerPack} 件` : null].filter(Boolean).join(' · '))),
      ...(perStore ? stores.map((s) => num(count(p.byStore[s.store] ?? 0))) : [num(count(Object.keys(p.byStore).length))]),
      num(el('strong', {}, count(p.total))),
      num(p.nearExpiry ? el('span', { class: 'warn' }, count(p.nearExpiry)) : '0'),
    ),
  );
  const sum = (f) => products.reduce((a, p) => a + f(p), 0);
  const foot = el(
    'tr',
    {},
    el('td', {}, '合计'),
    ...(perStore ? stores.map((s) => num(count(sum((p) => p.byStore[s.store] ?? 0)))) : [num('')]),
    num(count(sum((p) => p.total))),
    num(count(sum((p) => p.nearExpiry))),
  );
  table('stock-table', head, rows, foot, '总部还没有收到任何门店的入库记录');
  $('near-title').textContent = `近效期批次（${nearExpiryDays} 天内到期，含已过期）`;
  table(
    'near-table',
    [['门店'], ['药品'], ['批号'], ['有效期至'], ['剩余天数', 'num'], ['数量（件）', 'num']],
    nearExpiry.map((l) =>
      el(
        'tr',
        {},
        el('td', {}, l.storeName),
        el('td', {}, l.name),
        el('td', { class: 'code' }, l.lot ?? '—'),
        el('td', {}, l.expiry),
        num(el('span', { class: l.daysLeft < 0 ? 'bad' : 'warn' }, l.daysLeft < 0 ? `已过期 ${-l.daysLeft} 天` : `${l.daysLeft} 天`)),
        num(count(l.pieces)),
      ),
    ),
    null,
    `没有 ${nearExpiryDays} 天内到期的批次`,
  );
}

function shanghaiToday(offsetDays = 0) {
  return new Date(Date.now() + 8 * 3600_000 + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

function rangeOf(prefix) {
  if (!$(`${prefix}-from`).value) $(`${prefix}-from`).value = shanghaiToday(-6);
  if (!$(`${prefix}-to`).value) $(`${prefix}-to`).value = shanghaiToday();
  return `from=${$(`${prefix}-from`).value}&to=${$(`${prefix}-to`).value}`;
}

const SALES_COLUMNS = [
  ['sales', '笔数', count],
  ['insuredSales', '医保笔数', count],
  ['amount', '金额', yuan],
  ['fundPay', '统筹', yuan],
  ['accountPay', '个账', yuan],
  ['cashPay', '现金', yuan],
  ['refundAmount', '退货', yuan],
  ['net', '净额', yuan],
];

async function showSales() {
  const r = await api('GET', `/hq/api/sales?${rangeOf('sales')}`);
  if (r.status !== 200) return failed(r);
  const { rows, total } = r.body;
  table(
    'sales-table',
    [['日期'], ['门店'], ...SALES_COLUMNS.map(([, label]) => [label, 'num'])],
    rows.map((s) => el('tr', {}, el('td', {}, s.day), el('td', {}, s.storeName), ...SALES_COLUMNS.map(([k, , f]) => num(f(s[k]))))),
    el(
      'tr',
      { id: 'sales-total' },
      el('td', {}, '合计'),
      el('td', {}, `${count(new Set(rows.map((s) => s.store)).size)} 家门店`),
      ...SALES_COLUMNS.map(([k, , f]) => num(f(total[k]))),
    ),
    '所选日期内没有销售',
  );
}

async function showAudit() {
  const r = await api('GET', `/hq/api/audit?${rangeOf('audit')}`);
  if (r.status !== 200) return failed(r);
  const { insured, soldTwice } = r.body;
  table(
    'audit-insured',
    [['日期'], ['参保人（人员编号）'], ['门店与首次购药时间'], ['笔数', 'num'], ['金额', 'num']],
    insured.map((g) =>
      el(
        'tr',
        {},
        el('td', {}, g.day),
        el('td', { class: 'code' }, g.person),
        el(
          'td',
          {},
          g.stores.map((s) => el('div', {}, `${s.storeName} · ${shownAt(s.firstAt)}`)),
          g.otherStores ? el('div', { class: 'muted' }, `另有其他区域门店 ${g.otherStores} 家`) : null,
        ),
        num(count(g.stores.reduce((a, s) => a + s.sales, 0))),
        num(yuan(g.stores.reduce((a, s) => a + s.amount, 0))),
      ),
    ),
    null,
    '所选日期内没有同一参保人在多家门店购药',
  );
  table('audit-codes', [['追溯码'], ['门店'], ['另一门店'], ['发现时间']], soldTwice.map(codeRow), null, '没有在两家门店售出的追溯码');
}

const KIND_NAMES = { SOLD_TWICE: '重复销售', RECEIVED_AFTER_SALE: '串货' };

function codeRow(f) {
  return el(
    'tr',
    {},
    el('td', { class: 'code' }, f.code),
    el('td', {}, f.storeName),
    el('td', {}, f.otherStoreName ?? el('span', { class: 'muted' }, '其他区域门店')),
    el('td', {}, shownAt(f.at)),
  );
}

async function showCodes() {
  const r = await api('GET', '/hq/api/codes');
  if (r.status !== 200) return failed(r);
  table(
    'codes-table',
    [['类型'], ['追溯码'], ['门店'], ['另一门店'], ['发现时间']],
    r.body.flags.map((f) => {
      const row = codeRow(f);
      row.prepend(el('td', { class: 'bad' }, KIND_NAMES[f.kind] ?? f.kind));
      return row;
    }),
    null,
    '没有被总部标记的追溯码',
  );
}

const SCREENS = { stores: showStores, stock: showStock, sales: showSales, audit: showAudit, codes: showCodes };

function failed(r) {
  if (r.status === 401) return showLogin();
  notify(r.body?.message ?? `总部服务出错（${r.status}）：请稍后刷新`);
}

async function route() {
  const name = (location.hash.match(/^#\/(\w+)/) || [])[1];
  const screen = SCREENS[name] ? name : 'stores';
  for (const s of Object.keys(SCREENS)) $(`screen-${s}`).hidden = s !== screen;
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.screen === screen) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  notify('');
  await SCREENS[screen]();
  document.body.dataset.ready = screen;
}

// ------------------------------------------------------------------ sign-in

function showLogin() {
  $('app').hidden = true;
  $('login').hidden = false;
  $('login-user').focus();
}

async function start() {
  const me = await api('GET', '/hq/api/me');
  if (me.status !== 200) return showLogin();
  const { user, stores } = me.body;
  $('login').hidden = true;
  $('app').hidden = false;
  $('who').textContent = `${user.displayName}（${user.role === 'admin' ? '总部管理员' : '区域经理'}）`;
  $('scope').hidden = user.role === 'admin';
  $('scope').textContent = `区域经理：只显示本区域 ${stores.length} 家门店（${stores.map((s) => s.name).join('、')}），合计只含这些门店`;
  await route();
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('login-error').textContent = '';
  const r = await api('POST', '/hq/api/login', { username: $('login-user').value, password: $('login-password').value });
  if (r.status !== 200) {
    $('login-error').textContent = r.body?.message ?? '登录失败：请重试';
    return;
  }
  $('login-password').value = '';
  await start();
});
$('logout').addEventListener('click', async () => {
  await api('POST', '/hq/api/logout');
  showLogin();
});
$('sales-range').addEventListener('submit', (e) => {
  e.preventDefault();
  void showSales();
});
$('audit-range').addEventListener('submit', (e) => {
  e.preventDefault();
  void showAudit();
});
window.addEventListener('hashchange', () => void route());
void start();
