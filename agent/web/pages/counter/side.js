// The right-hand column: who was identified (and how), what the sale still needs before it can be
// settled, and the totals (after settlement: fund, personal account, cash).
import { $, el, fill, yuan } from './dom.js';
import { consentPending, rxPending, selfPayOnly, state } from './state.js';

const INSUTYPE = { 310: '职工基本医疗保险', 390: '城乡居民基本医疗保险' };
const METHOD = { e_voucher: '医保电子凭证', id_card: '身份证', social_security_card: '社保卡' };
const FACE = { face_terminal: '刷脸终端', camera: '柜台摄像头' };

export function renderSide() {
  renderPerson(state.sale && state.sale.identity);
  renderTodo();
  renderTotals();
}

function renderPerson(p) {
  const box = $('person');
  if (!p) {
    box.className = 'person muted';
    box.replaceChildren('未识别参保人：刷身份证、出示医保电子凭证，或按 F4 输入身份证号或社保卡号');
    return;
  }
  const ev = p.evidence || {};
  box.className = 'person';
  fill(
    box,
    el('div', { class: 'person-name' }, p.name || ''),
    el('div', { class: 'person-cert' }, `证件号 ${p.certNo || ''}`),
    el('div', { class: 'person-method' }, `识别方式：${METHOD[ev.method] || ev.method || '—'}`),
    ev.face
      ? el(
          'div',
          { class: ev.face.result === 'pass' ? 'person-method' : 'bad' },
          `人脸核验：${ev.face.result === 'pass' ? '通过' : '未通过'}（${FACE[ev.face.method] || ev.face.method}）`,
        )
      : null,
    p.insutype ? el('div', {}, `险种：${INSUTYPE[p.insutype] || p.insutype}`) : null,
    p.balance !== undefined && p.balance !== null ? el('div', {}, `个人账户余额：${yuan(p.balance)}`) : null,
    p.chronicDiseases && p.chronicDiseases.length ? el('div', {}, `门慢特病：${p.chronicDiseases.map((d) => d.name || d.code).join('、')}`) : null,
  );
}

/** What stands between this sale and its settlement, each with its key. */
function renderTodo() {
  const sale = state.sale;
  const list = $('todo');
  if (!sale || sale.status !== 'open' || sale.items.length === 0) {
    $('todo-box').hidden = true;
    return;
  }
  const tasks = [];
  const missing = sale.items.filter((i) => i.codeState === 'missing');
  if (missing.length) tasks.push(task('codes', 'bad', `${missing.length} 行缺追溯码：请扫描该盒包装上的追溯码`));
  const rx = rxPending();
  if (rx.length) tasks.push(task('rx', 'warn', `含处方药 ${names(rx)}：按 `, el('kbd', {}, 'F6'), ' 录入处方'));
  else if (sale.prescription) tasks.push(task('rx', 'ok', `处方已登记：${sale.prescription.rxNo} · ${sale.prescription.doctorName}`));
  const consent = consentPending();
  if (consent.length) tasks.push(task('consent', 'warn', `目录外药品 ${names(consent)} 须告知参保人自费并取得同意：按 `, el('kbd', {}, 'F7')));
  const selfPay = selfPayOnly();
  if (selfPay.length) tasks.push(task('self-pay', 'info', `${names(selfPay)} 不属医保支付范围：医保结算前请删行（↑↓ 选中按 Del），或整单自费（F9）`));
  if (!sale.identity) tasks.push(task('identity', 'info', '医保结算需先识别参保人：刷身份证或电子凭证，或按 ', el('kbd', {}, 'F4')));
  if (tasks.every((t) => !t.classList.contains('bad') && !t.classList.contains('warn'))) {
    tasks.push(task('ready', 'ok', '可以结算：', el('kbd', {}, 'F8'), ' 医保　', el('kbd', {}, 'F9'), ' 自费'));
  }
  list.replaceChildren(...tasks);
  $('todo-box').hidden = false;
}

/** Product names, each once (two boxes of one drug are one name). */
const names = (items) => [...new Set(items.map((i) => i.name || i.productId))].join('、');

const task = (name, level, ...content) => el('li', { class: level, 'data-task': name }, ...content);

function renderTotals() {
  const sale = state.sale;
  const t = sale && sale.settlement && sale.settlement.totals;
  $('total').textContent = yuan(t ? t.total : sale ? sale.total : 0);
  $('totals').hidden = !t;
  if (!t) return;
  $('fund-pay').textContent = yuan(t.fundPay);
  $('account-pay').textContent = yuan(t.accountPay);
  $('cash-pay').textContent = yuan(t.cashPay);
}
