// 库存: stock by product and lot with expiry highlighted, and the life of any trace code.
import { $, api, CODE_STATE, daysBetween, el, failed, fillRows, PAYMENT, piecesText, shanghaiTime, shanghaiToday } from './lib.js';

/**
 * Near expiry = 90 days or less. A chronic-disease (门慢特病) sale may cover up to 12 weeks (84 days,
 * DESIGN rule 7): a box sold later than 90 days before its expiry can run out of date during the
 * patient's course, so from then on the lot should be sold first, returned, or not dispensed for long courses.
 */
export const NEAR_EXPIRY_DAYS = 90;

/** 'expired' | 'near' | '' for a lot's expiry on `today` (both YYYY-MM-DD). */
export function expiryClass(expiry, today) {
  if (!expiry) return '';
  if (expiry < today) return 'expired';
  return daysBetween(today, expiry) <= NEAR_EXPIRY_DAYS ? 'near' : '';
}

function expiryCell(expiry, today) {
  const c = expiryClass(expiry, today);
  // An expired lot is never sold (LOT_EXPIRED); it waits to be written off (报损) with its reason.
  const note = c === 'expired' ? '已过期·待报损' : c === 'near' ? `${daysBetween(today, expiry)} 天后到期` : '';
  return el('td', { class: c }, expiry, note ? el('span', { class: 'tag' }, note) : null);
}

let products = [];

function render() {
  const today = shanghaiToday();
  const filter = $('stock-filter').value.trim().toLowerCase();
  const rows = [];
  for (const p of products) {
    if (filter && !`${p.name} ${p.productId} ${p.spec}`.toLowerCase().includes(filter)) continue;
    rows.push(
      el(
        'tr',
        { class: 'group', 'data-product': p.productId },
        el('td', { colspan: '3' }, el('b', {}, p.name), ` ${p.spec || ''}`, el('span', { class: 'muted' }, ` ${p.productId}`)),
        el('td', { class: 'num' }, el('b', {}, piecesText(p.piecesOnHand, p.piecesPerPack))),
        el('td', { colspan: '4' }),
      ),
    );
    for (const l of p.lots) {
      rows.push(
        el(
          'tr',
          { 'data-lot': String(l.lotId), class: `lot ${expiryClass(l.expiry, today)}` },
          el('td', { class: 'indent' }, `批号 ${l.lot}`),
          el('td', {}, l.mfgDate || '—'),
          expiryCell(l.expiry, today),
          el('td', { class: 'num' }, l.piecesOnHand),
          el('td', { class: 'num' }, l.piecesReceived),
          el('td', {}, l.coded ? '逐盒' : '无码'),
          el('td', {}, `#${l.receiptId}`),
          el('td', {}, shanghaiTime(l.receivedAt)),
        ),
      );
    }
  }
  fillRows($('stock-rows'), rows, 8, filter ? '没有符合筛选的商品' : '暂无库存：请先在“收货入库”登记到货');
}

async function load() {
  const r = await api('GET', `/api/stock${$('stock-empty').checked ? '?includeEmpty=1' : ''}`);
  if (r.status !== 200) return failed(r, '库存读取失败：');
  products = r.body.products;
  render();
  return true;
}

const EVENT = { received: '入库', sold: '售出', returned: '退回' };

async function lookUp(ev) {
  ev.preventDefault();
  const text = $('code-input').value.trim();
  if (!text) return;
  const box = $('code-life');
  const r = await api('GET', `/api/codes/${encodeURIComponent(text)}`);
  if (r.status !== 200) {
    box.replaceChildren(el('p', { class: 'error-text' }, r.body.errors ? r.body.errors.map((e) => e.message).join('；') : `查询失败（${r.status}）`));
    return;
  }
  const life = r.body;
  box.replaceChildren(
    el(
      'dl',
      { class: 'facts' },
      el('dt', {}, '追溯码'),
      el('dd', { class: 'code' }, life.code),
      el('dt', {}, '商品'),
      el('dd', {}, `${life.product.name} ${life.product.spec || ''}`),
      el('dt', {}, '批号'),
      el('dd', {}, `${life.lot.lot}（有效期 ${life.lot.expiry}）`),
      el('dt', {}, '状态'),
      el('dd', { class: `state-${life.state}` }, CODE_STATE[life.state] || life.state),
      el('dt', {}, '已售'),
      el('dd', {}, `${life.piecesSold} / ${life.pieces} 件`),
    ),
    el('h3', {}, '经历'),
    el(
      'ol',
      { class: 'timeline' },
      life.events.map((e) =>
        el(
          'li',
          { 'data-kind': e.kind },
          el('b', {}, EVENT[e.kind] || e.kind),
          ` ${shanghaiTime(e.at)} `,
          e.kind === 'received' ? `入库单 #${e.receiptId} · ${e.supplier || '—'} · 发票 ${e.invoiceNo || '—'}` : null,
          e.saleId ? el('a', { href: `#/sales/${e.saleId}` }, `销售单 #${e.saleId}`) : null,
          e.kind === 'sold' ? ` · ${e.pieces} 件 · ${PAYMENT[e.payment] || e.payment || ''}` : null,
        ),
      ),
    ),
  );
}

export function init() {
  $('stock-filter').addEventListener('input', render);
  $('stock-empty').addEventListener('change', () => void load());
  $('code-form').addEventListener('submit', (ev) => void lookUp(ev));
}

export async function show() {
  await load();
}
