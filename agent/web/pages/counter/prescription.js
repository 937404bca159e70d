// 处方录入 (F6): the prescription a prescription drug needs — number, issuing institution, doctor, the
// patient's ID number, date, and that a doctor signed it — sent with PUT /api/sales/:id/prescription.
// Keyboard only: Enter goes to the next field that still needs something and saves when none does.
import { api, problems } from './api.js';
import { closeDialog, openDialog } from './dialog.js';
import { $, productLabel, shanghaiToday } from './dom.js';
import { showStatus } from './render.js';
import { reload } from './sale.js';
import { saleOpen, state } from './state.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Each field with its check: the Chinese problem, or '' when it is fine. */
const FIELDS = [
  { id: 'rx-no', check: (v) => (v ? '' : '请填写处方编号（可用扫码枪扫处方上的条码）') },
  { id: 'rx-institution', check: (v) => (v ? '' : '请填写开方的定点医疗机构编码') },
  { id: 'rx-doctor', check: (v) => (v ? '' : '请填写开方医师姓名') },
  { id: 'rx-patient', check: (v) => (v ? '' : '请填写处方上患者的证件号') },
  { id: 'rx-date', check: checkDate },
  { id: 'rx-signed', check: (_v, input) => (input.checked ? '' : '处方须有医师签名或签章才能结算：核对处方后按空格键勾选') },
];

function checkDate(v) {
  const m = DATE.exec(v);
  const bad = '开方日期格式为 年-月-日，例如 2026-11-22';
  if (!m) return bad;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) return bad;
  if (v > shanghaiToday()) return '开方日期不能晚于今天：请核对处方';
  return '';
}

const value = (id) => $(id).value.trim();

export function openPrescription() {
  if (!saleOpen()) return showStatus('没有进行中的订单：请先按 F2 开新单并扫码', true);
  const rx = state.sale.prescription;
  const rxItems = state.sale.items.filter((i) => i.rx);
  $('rx-items').textContent = rxItems.length ? `处方药：${[...new Set(rxItems.map(productLabel))].join('、')}` : '本单暂无处方药；录入的处方将随本单结算上传';
  $('rx-no').value = rx ? rx.rxNo : '';
  $('rx-institution').value = rx ? rx.institutionCode : '';
  $('rx-doctor').value = rx ? rx.doctorName : '';
  $('rx-patient').value = ''; // the stored number is masked: the cashier types it again from the prescription
  $('rx-date').value = rx ? rx.issuedAt : shanghaiToday();
  $('rx-signed').checked = rx ? rx.signed : false;
  $('rx-error').textContent = '';
  patientHint();
  openDialog('rx-dialog', 'rx-no');
}

/** Compares the typed number with the identified person's masked one (first and last four shown). */
function patientHint() {
  const person = state.sale && state.sale.identity;
  const typed = value('rx-patient').toUpperCase();
  const hint = $('rx-patient-hint');
  hint.classList.remove('bad');
  if (!person) {
    hint.textContent = '尚未识别参保人：医保结算时处方患者须与参保人一致';
    return;
  }
  const masked = String(person.certNo || '').toUpperCase();
  hint.textContent = `参保人 ${person.name} ${masked}`;
  if (
    typed.length >= 8 &&
    masked.length >= 8 &&
    (typed.length !== masked.length || typed.slice(0, 4) !== masked.slice(0, 4) || typed.slice(-4) !== masked.slice(-4))
  ) {
    hint.textContent = `与参保人 ${person.name}（${masked}）不一致：医保结算将被拒绝，请核对`;
    hint.classList.add('bad');
  }
}

function firstProblem() {
  for (const f of FIELDS) {
    const input = $(f.id);
    const problem = f.check(input.type === 'checkbox' ? '' : input.value.trim(), input);
    if (problem) return { input, problem };
  }
  return null;
}

async function save() {
  const p = firstProblem();
  if (p) {
    $('rx-error').textContent = p.problem;
    p.input.focus();
    return;
  }
  const body = {
    rxNo: value('rx-no'),
    institutionCode: value('rx-institution'),
    doctorName: value('rx-doctor'),
    patientCertNo: value('rx-patient').toUpperCase(),
    issuedAt: value('rx-date'),
    signed: $('rx-signed').checked,
  };
  $('rx-error').textContent = '正在保存…';
  const r = await api('PUT', `/api/sales/${state.saleId}/prescription`, body);
  if (r.status !== 200) {
    $('rx-error').textContent = problems(r)
      .map((x) => x.message)
      .join('；');
    return;
  }
  closeDialog();
  await reload();
  showStatus(`处方已登记：${body.rxNo}`);
}

/** Enter: this field's problem, else the next field with one, else save. */
function onEnter(ev) {
  if (ev.key !== 'Enter') return;
  ev.preventDefault();
  const here = FIELDS.find((f) => f.id === ev.target.id);
  if (here) {
    const problem = here.check(ev.target.type === 'checkbox' ? '' : ev.target.value.trim(), ev.target);
    if (problem) {
      $('rx-error').textContent = problem;
      return;
    }
  }
  const p = firstProblem();
  if (!p) return void save();
  $('rx-error').textContent = p.input.value.trim() || p.input.type === 'checkbox' ? p.problem : '';
  p.input.focus();
}

export function initPrescription() {
  $('rx-form').addEventListener('keydown', onEnter);
  $('rx-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void save();
  });
  $('rx-patient').addEventListener('input', patientHint);
  // What the cashier changes makes the last complaint stale.
  $('rx-form').addEventListener('input', () => ($('rx-error').textContent = ''));
}
