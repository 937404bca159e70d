// Live events from the counter's devices (GET /api/events, server-sent): scans from serial/HID scanners,
// identities from the ID reader or a face terminal, device connects and disconnects.

import { loadAlarms } from './alarms.js';
import { api } from './api.js';
import { checkLeftOpen } from './lifecycle.js';
import { showRefusals } from './refusals.js';
import { render, showStatus } from './render.js';
import { follow, reload } from './sale.js';
import { pinLineRefusals, state } from './state.js';

let source = null;

export function openEvents() {
  closeEvents();
  const es = new EventSource(`/api/events?counter=${encodeURIComponent(state.counter)}`);
  es.addEventListener('scan', (m) => void onScan(JSON.parse(m.data)));
  es.addEventListener('identity', (m) => void onIdentity(JSON.parse(m.data)));
  es.addEventListener('device', () => void loadAlarms());
  // A closed stream (not a dropped one, which EventSource retries) usually means the session ended.
  es.addEventListener('error', () => {
    if (es.readyState === EventSource.CLOSED) void api('GET', '/api/me');
  });
  source = es;
}

export function closeEvents() {
  if (source) source.close();
  source = null;
}

async function onScan(e) {
  if (e.receiving) return; // the manager's receiving session has this counter's scanner
  if (e.error && e.error.code === 'SALE_LEFT_OPEN') return checkLeftOpen();
  follow(e.saleId);
  await reload();
  const refused = e.refused && e.refused.length ? e.refused : e.error ? [e.error] : [];
  if (refused.length) {
    pinLineRefusals(refused, false);
    render();
    showRefusals(refused, e.text);
  } else if (e.itemId && state.sale) {
    state.selected = state.sale.items.findIndex((i) => i.id === e.itemId);
    render();
  }
}

async function onIdentity(e) {
  if (e.error && e.error.code === 'SALE_LEFT_OPEN') return checkLeftOpen();
  follow(e.saleId);
  await reload();
  const refused = e.refused && e.refused.length ? e.refused : e.error ? [e.error] : [];
  if (refused.length) showRefusals(refused);
  else if (e.person) showStatus(`已识别参保人：${e.person.name}（${e.person.certNo}）`);
}
