// The manager's reports over real HTTP against a real agent (embedded platform simulator): the sales list,
// the reconciliation of a period with a receipt, opening stock, settled insurance and self-pay sales, a
// refund and stock adjustments; its CSV read back with csv-parse; takings per day, stock value, backlog.
// The clock runs in real time: stock adjustments are stamped with the wall clock (routes/stock.ts).
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../common/dates.js';
import { fenToYuan } from '../../common/money.js';
import { shanghaiDate } from '../../common/time.js';
import { CSV_HEADINGS } from '../reconciliation/csv.js';
import type { Reconciliation } from '../reconciliation/types.js';
import type { SaleListEntry } from '../reports/sales-list.js';
import { clearOfShanghaiMidnight } from './manager.test-helpers.js';
import { CATALOG, CHINESE, codeOf, line, person, RunningClock, serials, startTestAgent, type TestAgent, TOKENS } from './sales.test-helpers.js';

let t: TestAgent;
const FAR = { expiry: '2099-12-31' };
const ids = { insurance: 0, selfPay: 0, refunded: 0, open: 0 };
let today = '';

async function raw(path: string, token: string = TOKENS.manager): Promise<Response> {
  return fetch(`${t.agent.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
}

beforeAll(async () => {
  await clearOfShanghaiMidnight();
  t = await startTestAgent({ clock: new RunningClock(new Date().toISOString()) });
  today = shanghaiDate(t.clock.now());
  await t.receive({
    procurementOrderNo: 'CG202611000002',
    lines: [line('LIAN', 'LH1', serials('LIAN', 1, 4), FAR), line('IBU', 'I1', serials('IBU', 1, 3), FAR)],
  });
  // Exempt herbs bought without a procurement-platform order: a receipt the reconciliation points out.
  await t.receive({ invoiceNo: 'INV-HERB', deliveryNoteNo: 'DN-HERB', lines: [line('HERB', 'H1', [], { packs: 10, ...FAR })] });
  const opening = await t.api('POST', '/api/inventory/opening', {
    lines: [{ productId: 'METF', lot: 'OLD', mfgDate: '2026-01-31', expiry: '2099-01-31', pieces: 48 }],
    filingRef: 'BA-2026-01',
  });
  expect(opening.status).toBe(201);

  ids.insurance = await t.open();
  expect((await t.identify(ids.insurance, person('employee'))).status).toBe(200);
  await t.scan(ids.insurance, codeOf('LIAN', 1));
  expect((await t.settle(ids.insurance, 'insurance')).status).toBe(200);

  ids.selfPay = await t.open();
  await t.scan(ids.selfPay, codeOf('LIAN', 2));
  await t.scan(ids.selfPay, CATALOG.HERB.barcode, 3);
  expect((await t.settle(ids.selfPay, 'self_pay')).status).toBe(200);

  ids.refunded = await t.open();
  expect((await t.identify(ids.refunded, person('resident'))).status).toBe(200);
  await t.scan(ids.refunded, codeOf('IBU', 1), 8);
  expect((await t.settle(ids.refunded, 'insurance')).status).toBe(200);
  expect((await t.api('POST', `/api/sales/${ids.refunded}/reverse`, { reason: '顾客退货' })).status).toBe(200);

  // Stock corrections: a damaged box written off by code, a stocktake surplus on the uncoded lot.
  const lots = await t.api<{ products: { productId: string; lots: { lotId: number }[] }[] }>('GET', '/api/stock?includeEmpty=1');
  const lotOf = (pid: string) => lots.body.products.find((p) => p.productId === pid)!.lots[0]!.lotId;
  expect((await t.api('POST', '/api/stock/adjustments', { lotId: lotOf('LIAN'), codes: [codeOf('LIAN', 3)], reason: '破损' })).status).toBe(201);
  expect((await t.api('POST', '/api/stock/adjustments', { lotId: lotOf('METF'), deltaPieces: 2, reason: '盘盈' })).status).toBe(201);

  // Still open, with one refusal on the way.
  ids.open = await t.open();
  await t.scan(ids.open, codeOf('IBU', 2));
  expect((await t.scan(ids.open, '81000049999999999999')).status).toBe(422);
  await t.drained();
});
afterAll(async () => {
  await t?.close();
});

describe('GET /api/sales: the sales of a period, newest first', () => {
  it('lists every sale with status, payment, person (masked), pieces, money, refusals and upload state', async () => {
    const r = await t.api<{ sales: SaleListEntry[] }>('GET', '/api/sales');
    expect(r.status).toBe(200);
    expect(r.body.sales.map((s) => [s.id, s.status, s.payment])).toEqual([
      [ids.open, 'open', null],
      [ids.refunded, 'reversed', 'insurance'],
      [ids.selfPay, 'settled', 'self_pay'],
      [ids.insurance, 'settled', 'insurance'],
    ]);
    const [open, refunded, selfPay, insurance] = r.body.sales as [SaleListEntry, SaleListEntry, SaleListEntry, SaleListEntry];
    expect(open).toMatchObject({
      settledAt: null,
      pieces: 20,
      totalFen: 1980,
      fundFen: 0,
      accountFen: 0,
      cashFen: 0,
      refusals: 1,
      upload: 'none',
      person: null,
    });
    expect(insurance).toMatchObject({ pieces: 24, totalFen: 1450, cashier: 'cash', upload: 'sent', person: { name: person('employee').name } });
    expect(insurance.person!.certNoMasked).toMatch(/^\d{4}\*{10}\d{3}[\dX]$/);
    expect(insurance.person!.certNoMasked).not.toBe(person('employee').certno);
    expect(selfPay).toMatchObject({ pieces: 27, totalFen: 1450 + 1440, fundFen: 0, accountFen: 0, cashFen: 2890, person: null, upload: 'sent' });
    expect(refunded).toMatchObject({ pieces: 8, totalFen: 792, upload: 'sent' });
    for (const s of [refunded, selfPay, insurance]) {
      expect(s.fundFen + s.accountFen + s.cashFen).toBe(s.totalFen);
      expect(s.settledAt).toEqual(expect.any(String));
    }
    const limited = await t.api<{ sales: SaleListEntry[] }>('GET', '/api/sales?limit=2');
    expect(limited.body.sales.map((s) => s.id)).toEqual([ids.open, ids.refunded]);
    const past = await t.api<{ sales: SaleListEntry[] }>('GET', `/api/sales?from=${addDays(today, -30)}&to=${addDays(today, -2)}`);
    expect(past.body.sales).toEqual([]);
  });
});

describe('GET /api/reconciliation', () => {
  let rec: Reconciliation;
  beforeAll(async () => {
    const r = await t.api<Reconciliation>('GET', `/api/reconciliation?from=${addDays(today, -1)}&to=${today}`);
    expect(r.status).toBe(200);
    rec = r.body;
  });

  it('purchases: every receipt with its documents, pieces and cost; the rows add up to the totals', () => {
    const p = rec.purchases;
    expect(p.rows.map((x) => [x.supplier, x.invoiceNo, x.deliveryNoteNo, x.procurementOrderNo, x.lines, x.pieces, x.amountFen, x.upload])).toEqual([
      ['华润河北医药有限公司', 'INV-T', 'DN-T', 'CG202611000002', 2, 4 * 24 + 3 * 20, 7 * 1000, 'sent'],
      ['华润河北医药有限公司', 'INV-HERB', 'DN-HERB', null, 1, 10, 10 * 1000, 'sent'],
    ]);
    expect(p).toMatchObject({
      receipts: 2,
      missingInvoice: 0,
      missingDeliveryNote: 0,
      missingProcurement: 1,
      upload: { sent: 2, pending: 0, failed: 0 },
      openingImports: { receipts: 1, pieces: 48 },
    });
    expect(p.pieces).toBe(p.rows.reduce((n, x) => n + x.pieces, 0));
    expect(p.amountFen).toBe(p.rows.reduce((n, x) => n + x.amountFen, 0));
  });

  it('sales: each settled sale with its split; fund + account + cash = total per row and overall; rows add up', () => {
    const s = rec.sales;
    expect(s.rows.map((x) => [x.saleId, x.payment, x.status, x.pieces, x.totalFen])).toEqual([
      [ids.insurance, 'insurance', 'settled', 24, 1450],
      [ids.selfPay, 'self_pay', 'settled', 27, 2890],
      [ids.refunded, 'insurance', 'reversed', 8, 792],
    ]);
    for (const x of s.rows) expect(x.fundFen + x.accountFen + x.cashFen).toBe(x.totalFen);
    expect(s.rows.filter((x) => x.payment === 'insurance').every((x) => typeof x.settlementId === 'string')).toBe(true);
    expect(s.rows.find((x) => x.payment === 'self_pay')!.settlementId).toBeNull();
    for (const k of ['pieces', 'totalFen', 'fundFen', 'accountFen', 'cashFen'] as const) expect(s[k]).toBe(s.rows.reduce((n, x) => n + x[k], 0));
    expect(s.fundFen + s.accountFen + s.cashFen).toBe(s.totalFen);
    expect(s).toMatchObject({
      settled: 3,
      insurance: { count: 2, totalFen: 1450 + 792 },
      selfPay: { count: 1, totalFen: 2890 },
      reversed: { count: 1, totalFen: 792 },
      returns: { count: 1, pieces: 8, totalFen: 792 },
      settling: 0,
      upload: { sent: 3, pending: 0, failed: 0 },
    });
    expect(s.insurance.count + s.selfPay.count).toBe(s.settled);
  });

  it('stock: opening + received − sold + returned + adjusted = closing per product; book = the stock now; totals add up', async () => {
    const rows = Object.fromEntries(rec.stock.rows.map((r) => [r.productId, r]));
    expect(rows.LIAN).toMatchObject({ opening: 0, received: 96, sold: 48, returned: 0, adjusted: -24, closing: 24, book: 24, counted: null, difference: null });
    expect(rows.IBU).toMatchObject({ opening: 0, received: 60, sold: 8, returned: 8, adjusted: 0, closing: 60 });
    expect(rows.HERB).toMatchObject({ received: 10, sold: 3, closing: 7 });
    // Opening stock recorded in the period is 期初, not 入库 (issue 14: it was counted as received).
    expect(rows.METF).toMatchObject({ opening: 48, received: 0, adjusted: 2, closing: 50 });
    const stock = await t.api<{ products: { productId: string; piecesOnHand: number }[] }>('GET', '/api/stock?includeEmpty=1');
    for (const r of rec.stock.rows) {
      expect(r.opening + r.received - r.sold + r.returned + r.adjusted).toBe(r.closing);
      expect(r.book).toBe(stock.body.products.find((p) => p.productId === r.productId)!.piecesOnHand);
    }
    for (const k of ['opening', 'received', 'sold', 'returned', 'adjusted', 'closing', 'book'] as const) {
      expect(rec.stock.totals[k]).toBe(rec.stock.rows.reduce((n, r) => n + r[k], 0));
    }
    // The sections agree with each other: every piece received has a receipt, every piece sold a sale.
    expect(rec.stock.totals.received).toBe(rec.purchases.pieces);
    expect(rec.stock.totals.opening).toBe(rec.purchases.openingImports.pieces);
    expect(rec.stock.totals.sold).toBe(rec.sales.pieces);
    expect(rec.stock.totals.returned).toBe(rec.sales.returns.pieces);

    // The next day opens with today's closing stock: the opening (from the dated movement tables) agrees with
    // today's replay of the events and with the stock now.
    const next = await t.api<Reconciliation>('GET', `/api/reconciliation?from=${addDays(today, 1)}&to=${addDays(today, 1)}`);
    expect(next.body.stock.rows.map((r) => [r.productId, r.opening, r.closing, r.book])).toEqual(
      rec.stock.rows.map((r) => [r.productId, r.closing, r.closing, r.book]),
    );
  });

  it('checks: four, each with a Chinese title and message, all agreeing here', () => {
    expect(rec.checks.map((c) => [c.key, c.ok])).toEqual([
      ['purchases_invoices', true],
      ['sales_settlements', true],
      ['uploads', true],
      ['stock_book', true],
    ]);
    expect(rec.checks.map((c) => c.title)).toEqual(['票账相符', '销售与结算相符', '进销存上传完整', '账实相符']);
    for (const c of rec.checks) expect(c.message).toMatch(CHINESE);
    expect(rec.checks[0]!.message).toMatch(/1 张入库单既无网采订单号也无备案记录/);
  });

  it('stock tables that drifted from the ledger fail 账实相符, naming the product and both figures', async () => {
    const db = t.agent.ledger.db;
    const lot = db.prepare("SELECT id FROM lots WHERE product_id = 'HERB'").pluck().get() as number;
    db.prepare('UPDATE lots SET pieces_on_hand = pieces_on_hand - 1 WHERE id = ?').run(lot);
    try {
      const r = await t.api<Reconciliation>('GET', '/api/reconciliation');
      expect(r.body.stock.rows.find((x) => x.productId === 'HERB')).toMatchObject({ closing: 7, book: 6 });
      expect(r.body.checks.find((c) => c.key === 'stock_book')).toMatchObject({
        ok: false,
        message: expect.stringMatching(/当归（饮片）（按记录 7 件，库存表 6 件）.*verify-ledger/),
      });
      // A period that ended before today shows the replayed stock as its book: nothing to compare.
      const past = await t.api<Reconciliation>('GET', `/api/reconciliation?from=${addDays(today, -3)}&to=${addDays(today, -2)}`);
      expect(past.body.checks.find((c) => c.key === 'stock_book')!.ok).toBe(true);
    } finally {
      db.prepare('UPDATE lots SET pieces_on_hand = pieces_on_hand + 1 WHERE id = ?').run(lot);
    }
  });

  it('a period before any of this holds nothing; a bad date is a 400 in Chinese; the cashier may not read it', async () => {
    const empty = await t.api<Reconciliation>('GET', `/api/reconciliation?from=${addDays(today, -20)}&to=${addDays(today, -10)}`);
    expect(empty.body).toMatchObject({ purchases: { receipts: 0, rows: [] }, sales: { settled: 0, rows: [] }, stock: { rows: [] } });
    const bad = await t.api('GET', '/api/reconciliation?from=2026-13-01');
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.[0]).toMatchObject({ code: 'BAD_DATE', message: expect.stringMatching(CHINESE) });
    expect((await t.api('GET', '/api/reconciliation', undefined, TOKENS.cashier)).status).toBe(403);
    expect((await t.api('GET', '/api/reconciliation', undefined, TOKENS.technician)).status).toBe(200);
    expect((await t.api('GET', '/api/reconciliation', undefined, null)).status).toBe(401);
  });

  it('CSV: UTF-8 with BOM, Chinese headings, yuan; parsed back it shows the same figures', async () => {
    const from = addDays(today, -1);
    const res = await raw(`/api/reconciliation.csv?from=${from}&to=${today}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="reconciliation-${from}-${today}.csv"`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder('utf-8').decode(bytes);
    const viaFormat = await raw(`/api/reconciliation?from=${from}&to=${today}&format=csv`);
    expect(new TextDecoder('utf-8').decode(new Uint8Array(await viaFormat.arrayBuffer()))).toBe(text);

    const rows = parse(text, { bom: true, relax_column_count: true }) as string[][];
    const section = (title: string, headings: readonly string[]): string[][] => {
      const at = rows.findIndex((r) => r[0] === title);
      expect(at).toBeGreaterThanOrEqual(0);
      expect(rows[at + 1]).toEqual([...headings]);
      const end = rows.findIndex((r, i) => i > at && r[0] === '合计');
      return rows.slice(at + 2, end + 1);
    };
    const purchases = section('一、进货', CSV_HEADINGS.purchases);
    expect(purchases.slice(0, -1).map((r) => [Number(r[0]), r[2], r[5], Number(r[8]), r[9]])).toEqual(
      rec.purchases.rows.map((x) => [x.receiptId, x.supplier, x.procurementOrderNo ?? '', x.pieces, fenToYuan(x.amountFen)]),
    );
    expect(purchases.at(-1)!.slice(8, 10)).toEqual([String(rec.purchases.pieces), fenToYuan(rec.purchases.amountFen)]);

    const sales = section('二、销售', CSV_HEADINGS.sales);
    expect(sales.slice(0, -1).map((r) => [Number(r[0]), r[2], r[3], Number(r[4]), r[5], r[6], r[7], r[8]])).toEqual(
      rec.sales.rows.map((x) => [
        x.saleId,
        x.payment === 'insurance' ? '医保' : '自费',
        x.status === 'settled' ? '已结算' : '已退费',
        x.pieces,
        ...[x.totalFen, x.fundFen, x.accountFen, x.cashFen].map(fenToYuan),
      ]),
    );
    expect(sales.at(-1)!.slice(4, 9)).toEqual([
      String(rec.sales.pieces),
      ...[rec.sales.totalFen, rec.sales.fundFen, rec.sales.accountFen, rec.sales.cashFen].map(fenToYuan),
    ]);
    // Time in Shanghai, as the manager reads it.
    expect(sales[0]![1]).toMatch(new RegExp(`^${today}|^${from}`));

    const stock = section('三、库存', CSV_HEADINGS.stock);
    expect(stock.slice(0, -1).map((r) => [r[0], ...r.slice(2, 10).map(Number)])).toEqual(
      rec.stock.rows.map((x) => [x.productId, x.opening, x.received, x.sold, x.returned, x.adjusted, x.transferred, x.closing, x.book]),
    );
    expect(stock.at(-1)!.slice(2, 10).map(Number)).toEqual([
      rec.stock.totals.opening,
      rec.stock.totals.received,
      rec.stock.totals.sold,
      rec.stock.totals.returned,
      rec.stock.totals.adjusted,
      rec.stock.totals.transferred,
      rec.stock.totals.closing,
      rec.stock.totals.book,
    ]);

    const at = rows.findIndex((r) => r[0] === '四、汇总');
    const totals = Object.fromEntries(rows.slice(at + 2, rows.findIndex((r) => r[0] === '五、核对') - 1).map((r) => [r[0], r[1]]));
    expect(totals).toMatchObject({
      进货单数: '2',
      '进货金额（元）': fenToYuan(rec.purchases.amountFen),
      结算笔数: '3',
      '销售总额（元）': fenToYuan(rec.sales.totalFen),
      '统筹基金支付（元）': fenToYuan(rec.sales.fundFen),
      '个人账户支付（元）': fenToYuan(rec.sales.accountFen),
      '现金支付（元）': fenToYuan(rec.sales.cashFen),
      医保结算笔数: '2',
      自费笔数: '1',
      其中已退费笔数: '1',
      '本期退费金额（元）': fenToYuan(792),
    });
    const checks = rows.slice(rows.findIndex((r) => r[0] === '五、核对') + 2);
    expect(checks.map((r) => [r[0], r[1]])).toEqual(rec.checks.map((c) => [c.title, '相符']));
  });
});

describe('reports', () => {
  it('daily: every day of the period, zeros included; refunded sales are not takings', async () => {
    const r = await t.api<{ days: { date: string; sales: number; totalFen: number; fundFen: number; accountFen: number; cashFen: number }[] }>(
      'GET',
      '/api/reports/daily',
    );
    expect(r.status).toBe(200);
    expect(r.body.days.map((d) => d.date)).toEqual(Array.from({ length: 7 }, (_, i) => addDays(today, i - 6)));
    const sum = (k: 'sales' | 'totalFen' | 'fundFen' | 'accountFen' | 'cashFen') => r.body.days.reduce((n, d) => n + d[k], 0);
    expect(sum('sales')).toBe(2);
    expect(sum('totalFen')).toBe(1450 + 2890);
    expect(sum('fundFen') + sum('accountFen') + sum('cashFen')).toBe(sum('totalFen'));
    expect(r.body.days.slice(0, 5).every((d) => d.sales === 0 && d.totalFen === 0)).toBe(true);
    expect((await t.api('GET', '/api/reports/daily?to=2026-02-30')).status).toBe(400);
  });

  it('stock value: pieces at purchase price lot by lot; products add up to the total', async () => {
    const r = await t.api<{ totalFen: number; products: { productId: string; pieces: number; valueFen: number }[] }>('GET', '/api/reports/stock-value');
    const by = Object.fromEntries(r.body.products.map((p) => [p.productId, p]));
    expect(by.LIAN).toMatchObject({ pieces: 24, valueFen: 1000 });
    expect(by.IBU).toMatchObject({ pieces: 60, valueFen: 3000 });
    expect(by.HERB).toMatchObject({ pieces: 7, valueFen: 7000 });
    expect(by.METF).toMatchObject({ pieces: 50, valueFen: Math.round((50 * CATALOG.METF.pricePerPack) / 48) });
    expect(r.body.totalFen).toBe(r.body.products.reduce((n, p) => n + p.valueFen, 0));
  });

  it('backlog: hourly points; a record the platform cannot take yet shows as pending until it is sent', async () => {
    const sim = t.agent.platform.simulator!;
    sim.setFaults({ rate5xx: 1 });
    try {
      const id = await t.open();
      await t.scan(id, codeOf('LIAN', 4));
      expect((await t.settle(id, 'self_pay')).status).toBe(200);
      const r = await t.api<{ points: { at: string; pending: number; failed: number }[] }>('GET', '/api/reports/backlog?hours=24');
      expect(r.status).toBe(200);
      const pts = r.body.points;
      expect(pts.length).toBeGreaterThanOrEqual(24);
      expect(pts.length).toBeLessThanOrEqual(25);
      for (let i = 1; i < 24; i++) expect(Date.parse(pts[i]!.at) - Date.parse(pts[i - 1]!.at)).toBe(3_600_000);
      expect(pts.at(-1)).toMatchObject({ pending: 1, failed: 0 });
      expect(pts[0]).toMatchObject({ pending: 0, failed: 0 });
      // The reconciliation says so too, and what to do.
      const rec = await t.api<Reconciliation>('GET', '/api/reconciliation');
      expect(rec.body.uploads).toEqual({ pending: 1, failed: 0 });
      expect(rec.body.checks.find((c) => c.key === 'uploads')).toMatchObject({ ok: false, message: expect.stringMatching(/1 条待上传/) });
    } finally {
      sim.setFaults({});
    }
    await t.drained();
    const after = await t.api<{ points: { pending: number; failed: number }[] }>('GET', '/api/reports/backlog');
    expect(after.body.points.at(-1)).toMatchObject({ pending: 0, failed: 0 });
    expect((await t.api('GET', '/api/reports/backlog?hours=0')).status).toBe(400);
    expect((await t.api('GET', '/api/reports/backlog', undefined, TOKENS.cashier)).status).toBe(403);
  });
});
