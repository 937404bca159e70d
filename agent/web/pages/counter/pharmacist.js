// 药师在岗 in the header: who is on duty at this counter; F5 药师签到 (the pharmacist's own username and password,
// the cashier stays signed in) or, when one signed in here, 药师签退. The server decides who counts
// (agent/checkout/pharmacist.ts: this counter's sign-in, else the manager's shift pharmacist, else the configured one).
import { api, problems } from './api.js';
import { closeDialog, openDialog } from './dialog.js';
import { $ } from './dom.js';
import { showStatus } from './render.js';
import { state } from './state.js';

const url = () => `/api/counters/${encodeURIComponent(state.counter)}/pharmacist`;
let onDuty = null;

function show(p) {
  onDuty = p;
  $('pharmacist').textContent = p ? `${p.name}${p.source === 'counter' ? '' : '（当班）'}` : '无（处方药暂不能销售）';
  $('pharmacist').classList.toggle('none', !p);
  $('pharm-key').textContent = p && p.source === 'counter' ? '药师签退（F5）' : '药师签到（F5）';
}

export async function loadPharmacist() {
  const r = await api('GET', url());
  if (r.status === 200) show(r.body.pharmacist);
}

/** F5: sign in when nobody signed in at this counter, else sign that pharmacist out. */
export async function togglePharmacist() {
  if (onDuty && onDuty.source === 'counter') {
    const name = onDuty.name;
    const r = await api('DELETE', url());
    if (r.status !== 200)
      return showStatus(
        problems(r)
          .map((p) => p.message)
          .join('；'),
        true,
      );
    show(r.body.pharmacist);
    return showStatus(r.body.pharmacist ? `${name}已签退；在岗药师：${r.body.pharmacist.name}` : `${name}已签退：现在没有在岗药师，处方药不能结算`);
  }
  $('pharm-user').value = '';
  $('pharm-pass').value = '';
  $('pharm-error').textContent = '';
  openDialog('pharm-dialog', 'pharm-user');
}

async function submit(ev) {
  ev.preventDefault();
  const username = $('pharm-user').value.trim();
  const password = $('pharm-pass').value;
  if (!username) return $('pharm-user').focus();
  if (!password) return $('pharm-pass').focus();
  const r = await api('POST', url(), { username, password });
  if (r.status !== 200) {
    $('pharm-error').textContent = problems(r)
      .map((p) => p.message)
      .join('；');
    $('pharm-pass').value = '';
    return $('pharm-pass').focus();
  }
  closeDialog();
  show(r.body.pharmacist);
  showStatus(`${r.body.pharmacist.name}已签到，在岗药师：${r.body.pharmacist.name}`);
}

export function initPharmacist() {
  $('pharm-form').addEventListener('submit', (ev) => void submit(ev));
  $('pharm-key').addEventListener('click', () => void togglePharmacist());
  // Enter in the username moves on to the password; Enter in the password signs in (no mouse needed).
  $('pharm-user').addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter') return;
    ev.preventDefault();
    $('pharm-pass').focus();
  });
  $('pharm-pass').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') void submit(ev);
  });
}
