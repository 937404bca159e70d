// 药店管理: sign-in (店长 / 技术员), the navigation between screens (location hash) and keyboard shortcuts.
// Each screen is its own module with init() (wire its controls once) and show(arg) (load what it shows).

import * as accounts from './accounts.js';
import * as audit from './audit.js';
import { $, api, clearNotice, problems, ROLE, setUnauthenticatedHandler } from './lib.js';
import * as overview from './overview.js';
import * as receiving from './receiving.js';
import * as reconciliation from './reconciliation.js';
import * as sale from './sale-detail.js';
import * as sales from './sales.js';
import * as stock from './stock.js';
import * as stocktake from './stocktake.js';
import * as suspicious from './suspicious.js';
import * as sync from './sync.js';
import * as transfers from './transfers.js';

const SCREENS = { overview, receiving, stock, stocktake, reconciliation, sales, sale, audit, sync, suspicious, transfers, accounts };
const ORDER = ['overview', 'receiving', 'stock', 'stocktake', 'reconciliation', 'sales', 'audit', 'sync', 'suspicious'];
const TITLES = {
  overview: '概览',
  receiving: '收货入库',
  stock: '库存',
  stocktake: '盘点',
  reconciliation: '对账',
  sales: '销售',
  sale: '销售单',
  audit: '自查预警',
  sync: '平台同步',
  suspicious: '疑点答复',
  transfers: '调拨',
  accounts: '账号与药师',
};
const ALLOWED = new Set(['manager', 'technician']);

const state = { user: null, initialised: new Set(), current: null };

// ------------------------------------------------------------------ sign-in

function showLogin(message) {
  state.user = null;
  leaveCurrent();
  $('app').hidden = true;
  $('denied').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message || '';
  $('login-password').value = '';
  ($('login-user').value ? $('login-password') : $('login-user')).focus();
}

/** A cashier (or any role without the page) is told why and offered the counter page. */
function showDenied(user) {
  $('login').hidden = true;
  $('app').hidden = true;
  $('denied').hidden = false;
  $('denied-text').textContent =
    `${user.displayName || user.username}（${ROLE[user.role] || user.role}）已登录，但管理页面需要店长或技术员账号。收银请前往收银台页面；如需管理，请换店长账号登录。`;
  $('denied-counter').focus();
}

function enter(user) {
  state.user = user;
  if (!ALLOWED.has(user.role)) return showDenied(user);
  $('login').hidden = true;
  $('denied').hidden = true;
  $('app').hidden = false;
  $('who').textContent = `${user.displayName || user.username}（${ROLE[user.role] || user.role}）`;
  $('readonly').hidden = user.role !== 'technician';
  void transfers.probe();
  route();
}

async function login(ev) {
  ev.preventDefault();
  const username = $('login-user').value.trim();
  const password = $('login-password').value;
  if (!username || !password) return;
  const r = await api('POST', '/api/login', { username, password });
  if (r.status === 200) return enter(r.body.user);
  $('login-error').textContent = problems(r)
    .map((p) => p.message)
    .join('；');
  $('login-password').value = '';
  $('login-password').focus();
}

async function logout() {
  await api('POST', '/api/logout');
  showLogin('已退出');
}

// ------------------------------------------------------------------ navigation

function leaveCurrent() {
  const current = state.current && SCREENS[state.current];
  if (current && current.hide) current.hide();
  state.current = null;
}

/** "#/sales/12" → { name: 'sale', arg: '12' }; unknown → overview. */
function parseHash() {
  const [name, arg] = location.hash.replace(/^#\/?/, '').split('/');
  if (name === 'sales' && arg) return { name: 'sale', arg };
  return { name: SCREENS[name] ? name : 'overview', arg };
}

function route() {
  if (!state.user || !ALLOWED.has(state.user.role)) return;
  const { name, arg } = parseHash();
  if (state.current !== name) leaveCurrent();
  clearNotice();
  for (const section of document.querySelectorAll('.screen')) section.hidden = section.id !== `screen-${name}`;
  const navName = name === 'sale' ? 'sales' : name;
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.screen === navName) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${TITLES[name]} · 药店管理`;
  const screen = SCREENS[name];
  const ctx = { user: state.user };
  if (!state.initialised.has(name)) {
    state.initialised.add(name);
    if (screen.init) screen.init(ctx);
  }
  state.current = name;
  void screen.show(ctx, arg);
}

function onKey(ev) {
  if (!state.user || $('app').hidden) return;
  // Alt+1…9: the screens in the order of the navigation bar.
  if (ev.altKey && !ev.ctrlKey && /^[1-9]$/.test(ev.key)) {
    const name = ORDER[Number(ev.key) - 1];
    if (name) {
      ev.preventDefault();
      location.hash = `#/${name}`;
    }
  }
}

function init() {
  setUnauthenticatedHandler(showLogin);
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', () => void logout());
  $('denied-logout').addEventListener('click', () => void logout());
  window.addEventListener('hashchange', route);
  document.addEventListener('keydown', onKey);
  void api('GET', '/api/me').then((r) => {
    if (r.status === 200) enter(r.body.user);
    else showLogin('');
  });
}

init();
