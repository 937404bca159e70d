// 收银台 — the counter page's entry module: sign-in, sale, scanning (keyboard-wedge input and live
// server-sent scans), identity, prescription, consent, settlement, refusals and the receipt. Plain ES
// modules, no build step; each module has one job (see the imports).

import { loadAlarms } from './alarms.js';
import { api, whenUnauthorized } from './api.js';
import { initConsent } from './consent.js';
import { $ } from './dom.js';
import { initKeys } from './keys.js';
import { initLifecycle, startNewSale } from './lifecycle.js';
import { initLogin, showCounter, showLogin } from './login.js';
import { initPharmacist } from './pharmacist.js';
import { initPrescription } from './prescription.js';
import { initSettleKind } from './settle-kind.js';

const ALARM_POLL_MS = 30_000;

async function init() {
  whenUnauthorized(showLogin);
  initLogin();
  initKeys();
  initPrescription();
  initConsent();
  initPharmacist();
  initSettleKind();
  initLifecycle();
  $('new-sale').addEventListener('click', () => void startNewSale());
  void loadAlarms();
  setInterval(() => void loadAlarms(), ALARM_POLL_MS);
  const me = await api('GET', '/api/me');
  if (me.status === 200) await showCounter(me.body.user);
  else showLogin('');
}

void init();
