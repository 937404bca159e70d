// 账号与药师: the store's accounts (a manager creates cashiers, pharmacists with their 执业药师注册证号, managers,
// technicians) and who is the pharmacist on duty: the shift pharmacist (当班药师) the manager sets, and the
// pharmacists signed in at counters today (药师签到 on the counter page). Who counts: agent/checkout/pharmacist.ts.
import { $, api, el, failed, fillRows, notify, ROLE, shanghaiTime } from './lib.js';

const SOURCE = { counter: '收银台签到', store: '当班药师', config: '配置文件' };

function userRow(u) {
  return el(
    'tr',
    { 'data-user': u.username },
    el('td', {}, u.username),
    el('td', {}, u.displayName),
    el('td', {}, ROLE[u.role] || u.role),
    el('td', {}, u.pracCertNo || '—'),
    el('td', {}, u.disabled ? '已停用' : '启用'),
  );
}

function dutyFacts(d) {
  const who = (p) => (p ? `${p.name}（${SOURCE[p.source] || p.source}${p.since ? ` · ${shanghaiTime(p.since)}起` : ''}）` : '无');
  const pairs = [['其他收银台', d.fallback ? who(d.fallback) : '无在岗药师：处方药不能结算']];
  for (const c of d.counters) pairs.push([`收银台 ${c.counter}`, who(c)]);
  $('acc-duty').replaceChildren(...pairs.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

async function loadDuty() {
  const r = await api('GET', '/api/pharmacists/duty');
  if (r.status !== 200) return failed(r, '在岗药师读取失败：');
  const d = r.body;
  const none = el('option', { value: '' }, '（不设当班药师）');
  $('acc-shift').replaceChildren(none, ...d.pharmacists.map((p) => el('option', { value: p.username }, `${p.name}（${p.certNo}）`)));
  $('acc-shift').value = d.shift && d.shift.username ? d.shift.username : '';
  dutyFacts(d);
  return true;
}

async function loadUsers() {
  const r = await api('GET', '/api/users');
  if (r.status !== 200) return failed(r, '账号读取失败：');
  fillRows($('acc-rows'), r.body.users.map(userRow), 5, '还没有账号');
  return true;
}

async function setShift(ev) {
  ev.preventDefault();
  const username = $('acc-shift').value || null;
  const r = await api('PUT', '/api/pharmacists/shift', { username });
  if (r.status !== 200) return failed(r, '设置当班药师失败：');
  notify('ok', r.body.shift ? `当班药师：${r.body.shift.name}` : '已取消当班药师');
  await loadDuty();
}

async function create(ev) {
  ev.preventDefault();
  const role = $('acc-role').value;
  const body = { username: $('acc-username').value.trim(), role, displayName: $('acc-name').value.trim(), password: $('acc-password').value };
  if (role === 'pharmacist') body.pracCertNo = $('acc-cert').value.trim();
  const r = await api('POST', '/api/users', body);
  if (r.status !== 201) return failed(r, '创建账号失败：');
  notify('ok', `已创建${ROLE[role]}账号 ${r.body.user.username}`);
  for (const id of ['acc-username', 'acc-name', 'acc-cert', 'acc-password']) $(id).value = '';
  await Promise.all([loadUsers(), loadDuty()]);
}

export function init() {
  const roleChanged = () => ($('acc-cert-label').hidden = $('acc-role').value !== 'pharmacist');
  $('acc-role').addEventListener('change', roleChanged);
  roleChanged();
  $('acc-shift-form').addEventListener('submit', (ev) => void setShift(ev));
  $('acc-form').addEventListener('submit', (ev) => void create(ev));
}

export async function show() {
  await Promise.all([loadUsers(), loadDuty()]);
}
