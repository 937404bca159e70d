// 销售: the sales of a period, newest first; a row opens the sale's detail (Enter or a click).
import { $, api, el, failed, fillDefaultPeriod, fillRows, PAYMENT, periodQuery, SALE_STATUS, shanghaiTime, UPLOAD, yuan } from './lib.js';

function row(s) {
  const open = () => (location.hash = `#/sales/${s.id}`);
  const tr = el(
    'tr',
    { 'data-sale': String(s.id), tabindex: '0', onclick: open, onkeydown: (ev) => ev.key === 'Enter' && open() },
    el('td', {}, el('a', { href: `#/sales/${s.id}`, tabindex: '-1' }, `#${s.id}`)),
    el('td', {}, s.counterName || s.counter),
    el('td', {}, shanghaiTime(s.openedAt)),
    el('td', {}, s.settledAt ? shanghaiTime(s.settledAt) : '—'),
    el('td', { class: `status-${s.status}` }, SALE_STATUS[s.status] || s.status),
    el('td', {}, PAYMENT[s.payment] || '—'),
    el('td', {}, s.cashierName || s.cashier || '—'),
    el('td', { class: 'pharmacist' }, s.pharmacist || '—'),
    el('td', {}, s.person ? `${s.person.name} ${s.person.certNoMasked || ''}` : '—'),
    el('td', { class: 'num' }, s.pieces),
    el('td', { class: 'num' }, yuan(s.totalFen)),
    el('td', { class: `num ${s.refusals ? 'warn' : ''}` }, s.refusals),
    el('td', { class: `upload-${s.upload}` }, UPLOAD[s.upload] || s.upload),
  );
  return tr;
}

async function load() {
  const q = periodQuery($('sales-from'), $('sales-to'));
  const r = await api('GET', `/api/sales${q}${q ? '&' : '?'}limit=200`);
  if (r.status !== 200) return failed(r, '销售列表读取失败：');
  const sales = r.body.sales;
  fillRows($('sales-rows'), sales.map(row), 13, '本期没有销售');
  $('sales-count').textContent = `共 ${sales.length} 笔${sales.length >= 200 ? '（只显示最近 200 笔，请缩短日期范围）' : ''}`;
  return true;
}

export function init() {
  $('sales-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void load();
  });
}

export async function show() {
  await fillDefaultPeriod($('sales-from'), $('sales-to'));
  await load();
}
