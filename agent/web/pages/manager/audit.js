// 自查预警: what the platform's nightly audit would flag in a period, computed by the box from its own
// ledger so the store sees it first. Warnings, never refusals.
import { $, api, el, failed, fillDefaultPeriod, periodQuery, yuan } from './lib.js';

const RULE = {
  MULTI_PERSON_BURST: '短时间内多人集中结算',
  PERSON_FREQUENT: '同一人多次结算',
  YOUNG_FREQUENT: '青壮年结算偏多',
  LARGE_AMOUNT: '单次大额支出',
  STOCK_GAP: '进销存数量差异超过5%',
  RECORD_MODIFIED: '记录修改超过3次',
};

function warning(w) {
  return el(
    'li',
    { 'data-rule': w.rule },
    el('div', { class: 'warning-head' }, el('span', { class: 'rule' }, RULE[w.rule] || w.rule), el('b', {}, w.title)),
    el('div', {}, w.detail),
    el(
      'div',
      { class: 'muted small' },
      [
        w.subject ? `对象：${w.subjectLabel || w.subject}` : '',
        w.psnNo ? `参保人编号：${w.psnNo}` : '',
        w.amountFen !== undefined && w.amountFen !== null ? `金额：${yuan(w.amountFen)}` : '',
        w.productId && !(w.subjectLabel || '').includes(w.productName || w.productId) ? `商品：${w.productName || w.productId}` : '',
      ]
        .filter(Boolean)
        .join('\u3000'),
    ),
    w.saleIds && w.saleIds.length
      ? el(
          'div',
          { class: 'links' },
          '相关销售单：',
          (w.sales || w.saleIds.map((id) => ({ id, label: `#${id}` }))).map((s) => el('a', { href: `#/sales/${s.id}` }, s.label)),
        )
      : null,
  );
}

async function load() {
  const q = periodQuery($('audit-from'), $('audit-to'));
  const r = await api('GET', `/api/audit${q}`);
  if (r.status !== 200) return failed(r, '自查失败：');
  if (r.body.from) $('audit-from').value = r.body.from;
  if (r.body.to) $('audit-to').value = r.body.to;
  const list = r.body.warnings;
  $('audit-count').textContent = list.length ? `共 ${list.length} 条预警` : '';
  $('audit-list').replaceChildren(...(list.length ? list.map(warning) : [el('li', { class: 'ok-item' }, '✓ 本期没有预警')]));
  return true;
}

export function init() {
  $('audit-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void load();
  });
}

export async function show() {
  await fillDefaultPeriod($('audit-from'), $('audit-to'));
  await load();
}
