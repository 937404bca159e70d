// The sale's lines: product, lot, expiry, pieces, price and the trace-code state of each line —
// scanned, missing (a product barcode was scanned and the line waits for its box's code), refused
// (a refusal names the line and is not resolved yet) or exempt (herbal pieces and other uncoded goods).
import { $, el, yuan } from './dom.js';
import { activeLineRefusals, state } from './state.js';

const CODE_STATE = { scanned: '已扫码', missing: '缺追溯码', exempt: '免追溯码', refused: '已拒绝' };

/** Short names of refusal codes, for the line's state column (the panel has the full message). */
const REFUSED_SHORT = {
  TRACE_CODE_MISSING: '缺追溯码',
  TRACE_CODE_INVALID: '码无效',
  TRACE_CODE_DUPLICATE_IN_SALE: '重复扫码',
  TRACE_CODE_ALREADY_SOLD: '码已售出',
  TRACE_CODE_NOT_IN_STOCK: '码无库存',
  TRACE_CODE_PRODUCT_MISMATCH: '码与药品不符',
  SPLIT_PACK_EXHAUSTED: '拆零已售完',
  NO_PROCUREMENT_RECORD: '无网采记录',
  LOT_EXPIRED: '批次已过期',
  NOT_INSURANCE_PAYABLE: '医保不予支付',
  CONSENT_REQUIRED: '待告知同意',
  REPEAT_PURCHASE: '重复购药',
  QUANTITY_LIMIT: '超量',
  CHRONIC_LIST_MISMATCH: '不在病种清单',
  PRESCRIPTION_REQUIRED: '缺处方',
  PRESCRIPTION_IDENTITY_MISMATCH: '处方人不符',
  INSUFFICIENT_STOCK: '库存不足',
  TRACE_CODE_SOLD_IN_CHAIN: '连锁他店已售',
};

export function renderLines() {
  const sale = state.sale;
  const items = sale ? sale.items : [];
  if (state.selected >= items.length) state.selected = items.length - 1;
  const refusals = activeLineRefusals();
  const consented = new Set((sale && sale.consents) || []);
  $('lines').replaceChildren(
    ...items.map((i, n) => {
      const pinned = refusals.filter((r) => r.itemId === i.id);
      const lineState = pinned.length > 0 ? 'refused' : i.codeState;
      const classes = [lineState, n === state.selected ? 'selected' : ''].filter(Boolean).join(' ');
      return el(
        'tr',
        { 'data-item': i.id, 'data-state': lineState, class: classes, 'aria-selected': n === state.selected ? 'true' : null },
        el('td', {}, n + 1),
        el(
          'td',
          { class: 'product' },
          el('div', { class: 'product-name' }, i.name || i.productId, tags(i, consented)),
          i.spec ? el('div', { class: 'product-spec' }, i.spec) : null,
        ),
        el('td', {}, i.lot || '—'),
        el('td', { class: i.expired ? 'bad' : '' }, i.expiry || '—', i.expired ? el('div', { class: 'small-bad' }, '已过期') : null),
        el('td', { class: 'num' }, i.pieces),
        el('td', { class: 'num' }, yuan(i.price)),
        el('td', { class: 'code-cell' }, codeState(i, lineState, pinned)),
      );
    }),
  );
  $('empty').hidden = items.length > 0;
  $('empty').textContent = sale && sale.status === 'open' ? '请扫描药品追溯码（或先扫商品条码，再扫该盒的追溯码）' : '按 F2 开新单，然后扫描药品追溯码';
  const selectedRow = $('lines').querySelector('tr.selected');
  if (selectedRow) selectedRow.scrollIntoView({ block: 'nearest' });
}

function tags(i, consented) {
  return [
    i.rx ? el('span', { class: 'tag rx' }, '处方药') : null,
    i.split ? el('span', { class: 'tag' }, '拆零') : null,
    i.insured === false ? el('span', { class: 'tag ooc' }, consented.has(i.productId) ? '自费·已同意' : '非医保') : null,
  ];
}

function codeState(i, lineState, pinned) {
  const label =
    lineState === 'refused' ? `已拒绝：${[...new Set(pinned.map((r) => REFUSED_SHORT[r.code] || r.code))].join('、')}` : CODE_STATE[lineState] || lineState;
  return [
    el('div', { class: `code-state ${lineState}` }, label),
    i.code ? el('div', { class: 'code' }, i.code) : lineState === 'missing' ? el('div', { class: 'code-hint' }, '请扫描该盒追溯码') : null,
  ];
}
