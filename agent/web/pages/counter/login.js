// Sign-in with a username and PIN (POST /api/login sets the session cookie), sign-out (F12).
import { api, problems } from './api.js';
import { closeDialog, focusScan } from './dialog.js';
import { $ } from './dom.js';
import { closeEvents, openEvents } from './events.js';
import { attendCounter } from './lifecycle.js';
import { loadPharmacist } from './pharmacist.js';
import { dismissRefusals } from './refusals.js';
import { render, showStatus } from './render.js';
import { state } from './state.js';

export function showLogin(message) {
  state.user = null;
  closeEvents();
  closeDialog();
  dismissRefusals();
  $('counter').hidden = true;
  $('receipt').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message || '';
  $('login-pin').value = '';
  ($('login-user').value ? $('login-pin') : $('login-user')).focus();
}

export async function showCounter(user) {
  state.user = user;
  $('login').hidden = true;
  $('counter').hidden = false;
  $('who').textContent = user.displayName || user.username;
  $('counter-name').textContent = state.counter;
  openEvents();
  render();
  focusScan();
  await attendCounter();
  await Promise.all([loadCatalog(), loadPharmacist()]);
}

/**
 * Product categories and the rules' categories tell which lines need 告知同意 or self-pay; without them the
 * server's refusal still says so.
 */
async function loadCatalog() {
  const [r, rules] = await Promise.all([api('GET', '/api/catalog'), api('GET', '/api/rules/categories')]);
  if (rules.status === 200) {
    state.rules = { consentRequired: new Set(rules.body.consentRequired), selfPayOnly: new Set(rules.body.selfPayOnly), nextSteps: rules.body.nextSteps || {} };
  }
  if (r.status === 200 && Array.isArray(r.body.products)) state.products = new Map(r.body.products.map((p) => [p.id, p]));
  render();
}

async function login(ev) {
  ev.preventDefault();
  const username = $('login-user').value.trim();
  const password = $('login-pin').value;
  if (!username || !password) return;
  const r = await api('POST', '/api/login', { username, password });
  if (r.status === 200) return showCounter(r.body.user);
  $('login-error').textContent = problems(r)
    .map((p) => p.message)
    .join('；');
  $('login-pin').value = '';
  $('login-pin').focus();
}

export async function logout() {
  await api('POST', '/api/logout');
  state.saleId = null;
  state.leftOpen = [];
  state.sale = null;
  state.lineRefusals = [];
  showStatus('');
  showLogin('已退出');
}

export function initLogin() {
  $('login-form').addEventListener('submit', (ev) => void login(ev));
  $('logout').addEventListener('click', () => void logout());
}
