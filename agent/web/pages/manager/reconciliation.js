// 对账 (账实相符、票账相符): for a period, the checks as green/red statements, then purchases against
// invoices, sales against settlements and platform uploads, book stock against counted stock, each with
// totals, and the same report as a CSV download.
import { $, api, el, failed, fillRows, PAYMENT, periodQuery, SALE_STATUS, shanghaiTime, UPLOAD, yuan } from './lib.js';
import { init as initPlatformCheck } from './platform-check.js';

/** 上传完整: judged by the local queue alone, or by a platform read-back of the day (平台核对). */
const basisText = (c) => (c.basis === 'platform' ? (c.ok ? '平台已核实' : '平台核对有差异') : '仅本机队列');

const num = (v) => el('td', { class: 'num' }, v === null || v === undefined ? '—' : v);
const money = (fen) => el('td', { class: 'num' }, yuan(fen));
const uploadCell = (u) => el('td', { class: `upload-${u}` }, UPLOAD[u] || u || '—');
const sumOf = (rows, key) => rows.reduce((n, r) => n + (Number(r[key]) || 0), 0);
const uploads = (u) => (u ? `上传：已上传 ${u.sent}，待上传 ${u.pending}，失败 ${u.failed}` : '');

function renderChecks(checks) {
  $('rec-checks').replaceChildren(
    ...checks.map((c) =>
      el(
        'li',
        { class: c.ok ? 'ok' : 'bad', 'data-key': c.key },
        el('span', { class: 'mark', 'aria-hidden': 'true' }, c.ok ? '✓' : '✗'),
        el('b', {}, c.title),
        ...(c.basis ? [el('span', { class: `basis basis-${c.basis}` }, basisText(c))] : []),
        el('span', {}, c.message),
      ),
    ),
  );
}

function renderPurchases(p) {
  $('rec-purchases-summary').textContent =
    `${p.receipts} 张入库单，${p.pieces} 件，金额 ${yuan(p.amountFen)}；缺发票 ${p.missingInvoice}，缺随货同行单 ${p.missingDeliveryNote}，无网采订单/备案 ${p.missingProcurement}。${uploads(p.upload)}`;
  fillRows(
    $('rec-purchases'),
    p.rows.map((r) =>
      el(
        'tr',
        {},
        el('td', {}, `#${r.receiptId}`),
        el('td', {}, shanghaiTime(r.at)),
        el('td', {}, r.supplier || '—'),
        el('td', { class: r.invoiceNo ? '' : 'bad' }, r.invoiceNo || '缺'),
        el('td', { class: r.deliveryNoteNo ? '' : 'bad' }, r.deliveryNoteNo || '缺'),
        el('td', { class: r.procurementOrderNo ? '' : 'warn' }, r.procurementOrderNo || '无'),
        num(r.lines),
        num(r.pieces),
        money(r.amountFen),
        uploadCell(r.upload),
      ),
    ),
    10,
    '本期没有入库',
  );
  $('rec-purchases-total').replaceChildren(
    el('tr', { class: 'total' }, el('td', { colspan: '6' }, '合计'), num(sumOf(p.rows, 'lines')), num(p.pieces), money(p.amountFen), el('td', {})),
  );
}

function renderSales(s) {
  $('rec-sales-summary').textContent =
    `已结算 ${s.settled} 笔，${s.pieces} 件，金额 ${yuan(s.totalFen)}（统筹 ${yuan(s.fundFen)}，个账 ${yuan(s.accountFen)}，现金 ${yuan(s.cashFen)}）；` +
    `医保 ${s.insurance.count} 笔 ${yuan(s.insurance.totalFen)}，自费 ${s.selfPay.count} 笔 ${yuan(s.selfPay.totalFen)}，退费 ${s.reversed.count} 笔 ${yuan(s.reversed.totalFen)}。${uploads(s.upload)}`;
  fillRows(
    $('rec-sales'),
    s.rows.map((r) =>
      el(
        'tr',
        {},
        el('td', {}, el('a', { href: `#/sales/${r.saleId}` }, `#${r.saleId}`)),
        el('td', {}, shanghaiTime(r.settledAt)),
        el('td', {}, PAYMENT[r.payment] || r.payment || '—'),
        el('td', {}, SALE_STATUS[r.status] || r.status),
        num(r.pieces),
        money(r.totalFen),
        money(r.fundFen),
        money(r.accountFen),
        money(r.cashFen),
        el('td', { class: 'code small' }, r.settlementId || '—'),
        uploadCell(r.upload),
      ),
    ),
    11,
    '本期没有结算',
  );
  $('rec-sales-total').replaceChildren(
    el(
      'tr',
      { class: 'total' },
      el('td', { colspan: '4' }, '合计'),
      num(s.pieces),
      money(s.totalFen),
      money(s.fundFen),
      money(s.accountFen),
      money(s.cashFen),
      el('td', { colspan: '2' }),
    ),
  );
}

/** Each counted lot: what was counted against the book at that moment, and what was adjusted since. */
function countsTitle(counts) {
  if (!counts || !counts.length) return '本期没有盘点';
  return counts.map((c) => `批号 ${c.lot}（${shanghaiTime(c.at)}）：实盘 ${c.counted} 件，账面 ${c.book} 件，盘点后调整 ${c.adjustedSince} 件`).join('\n');
}

/** 差异: red while a lot's difference is not matched by adjustments after its count, marked 已调整 once it is. */
function differenceCell(r) {
  if (r.difference === null || r.difference === undefined) return el('td', { class: 'num diff' }, '—');
  const open = (r.counts || []).some((c) => c.counted - c.book !== c.adjustedSince);
  const text = r.difference > 0 ? `+${r.difference}` : String(r.difference);
  if (open) return el('td', { class: 'num diff bad', title: '差异尚未通过库存调整登记：请在「盘点」填写原因并过账' }, text, ' 待调整');
  return el('td', { class: `num diff ${r.difference ? 'warn' : 'ok'}` }, text, r.difference ? ' 已调整' : '');
}

function renderStock(st) {
  fillRows(
    $('rec-stock'),
    st.rows.map((r) =>
      el(
        'tr',
        { 'data-product': r.productId },
        el('td', {}, r.name),
        num(r.opening),
        num(r.received),
        num(r.sold),
        num(r.returned),
        num(r.adjusted),
        el('td', { class: 'num', title: `调入 ${r.transferredIn} 件，调出 ${r.transferredOut} 件` }, r.transferred),
        num(r.closing),
        num(r.book),
        el('td', { class: 'num counted', title: countsTitle(r.counts) }, r.counted === null || r.counted === undefined ? '—' : r.counted),
        differenceCell(r),
      ),
    ),
    10,
    '没有商品',
  );
  const t = st.totals;
  $('rec-stock-total').replaceChildren(
    el(
      'tr',
      { class: 'total' },
      el('td', {}, '合计'),
      num(t.opening),
      num(t.received),
      num(t.sold),
      num(t.returned),
      num(t.adjusted),
      num(t.transferred),
      num(t.closing),
      num(t.book),
      el('td', { colspan: '2' }),
    ),
  );
}

async function load() {
  const q = periodQuery($('rec-from'), $('rec-to'));
  const r = await api('GET', `/api/reconciliation${q}`);
  if (r.status !== 200) return failed(r, '对账失败：');
  const d = r.body;
  // The server's period (its default is the last 7 days ending today, Shanghai).
  $('rec-from').value = d.from;
  $('rec-to').value = d.to;
  $('rec-csv').href = `/api/reconciliation.csv?from=${d.from}&to=${d.to}`;
  $('rec-csv').setAttribute('download', `reconciliation-${d.from}-${d.to}.csv`);
  renderChecks(d.checks);
  renderPurchases(d.purchases);
  renderSales(d.sales);
  renderStock(d.stock);
  return true;
}

export function init() {
  $('rec-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    void load();
  });
  // After a read-back the checks show that day, so 上传完整 says what the platform's own view says.
  initPlatformCheck(async (date) => {
    $('rec-from').value = date;
    $('rec-to').value = date;
    await load();
  });
}

export async function show() {
  await load();
}
