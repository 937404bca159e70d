// 疑点答复: the platform's suspicious items (3601, pulled by date), each with the store's answers. Answers are
// append-only: an answer is never replaced, a correction is a new answer.
import { $, addDays, api, boxPeriod, el, failed, fillDefaultPeriod, notify, periodQuery, shanghaiTime, yuan } from './lib.js';

function item(it) {
  const box = el('textarea', {
    rows: '2',
    maxlength: '1000',
    'aria-label': `疑点 ${it.itemId} 的说明`,
    placeholder: '核实情况与说明（提交后不可修改，可追加）',
  });
  const send = el('button', { type: 'button', class: 'primary', onclick: () => void answer(it.itemId, box) }, '提交说明');
  return el(
    'li',
    { 'data-item': it.itemId },
    el('div', { class: 'warning-head' }, el('span', { class: 'rule' }, it.ruleName || it.rule), el('b', {}, `${it.date} · 疑点 ${it.itemId}`)),
    el('div', {}, it.detail),
    el(
      'div',
      { class: 'muted small' },
      [
        it.psnNo ? `参保人编号：${it.psnNo}` : '',
        it.setlId ? `结算号：${it.setlId}` : '',
        it.amountFen !== undefined && it.amountFen !== null ? `金额：${yuan(it.amountFen)}` : '',
        `拉取于 ${shanghaiTime(it.pulledAt)}`,
      ]
        .filter(Boolean)
        .join('\u3000'),
      it.saleId ? el('a', { href: `#/sales/${it.saleId}` }, `\u3000销售单 #${it.saleId}`) : null,
    ),
    el(
      'ol',
      { class: 'answers' },
      it.answers.length
        ? it.answers.map((a) => el('li', {}, el('span', { class: 'muted small' }, `${shanghaiTime(a.at)} ${a.actor}：`), a.text))
        : [el('li', { class: 'muted' }, '尚未答复')],
    ),
    el('div', { class: 'row' }, box, send),
  );
}

async function answer(itemId, box) {
  const text = box.value.trim();
  if (!text) return notify('error', '请先填写说明再提交');
  const r = await api('POST', `/api/suspicious/${encodeURIComponent(itemId)}/answers`, { text });
  if (r.status !== 201) return failed(r, '说明未保存：');
  notify('ok', `疑点 ${itemId} 的说明已保存`);
  await load();
  return true;
}

async function pull(ev) {
  ev.preventDefault();
  const date = $('susp-date').value;
  if (!date) return notify('error', '请选择要拉取的稽核日期');
  const r = await api('POST', '/api/suspicious/pull', { date });
  if (r.status !== 200 && r.status !== 201) return failed(r, '拉取疑点失败：');
  notify('ok', `已从平台拉取 ${date} 的疑点：${r.body.pulled} 条`);
  // Show the pulled day in the list.
  if (!$('susp-from').value || $('susp-from').value > date) $('susp-from').value = date;
  if (!$('susp-to').value || $('susp-to').value < date) $('susp-to').value = date;
  await load();
  return true;
}

async function load() {
  const q = periodQuery($('susp-from'), $('susp-to'));
  const r = await api('GET', `/api/suspicious${q}`);
  if (r.status !== 200) return failed(r, '疑点读取失败：');
  const items = r.body.items;
  $('susp-list').replaceChildren(...(items.length ? items.map(item) : [el('li', { class: 'ok-item' }, '本期没有平台疑点')]));
  return true;
}

export function init() {
  $('susp-pull-form').addEventListener('submit', (ev) => void pull(ev));
  $('susp-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void load();
  });
}

export async function show() {
  await fillDefaultPeriod($('susp-from'), $('susp-to'));
  // The platform audits a day once it is over: yesterday (the box's) is the usual one to pull.
  const p = await boxPeriod();
  if (p && !$('susp-date').value) $('susp-date').value = addDays(p.to, -1);
  await load();
}
