// Stocktake over real HTTP against a real agent (SQLite on disk, the platform simulator): a lot's boxes in
// stock (the 未盘到 list), a count recorded with the book read on the agent, kept append-only, listed by
// period; the reconciliation's 实盘/差异 from it, and 账实相符 failing until adjustments after the count
// explain the difference.
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LotCodes } from '../ledger/queries.js';
import type { Reconciliation } from '../reconciliation/types.js';
import type { Stocktake } from '../stocktake/store.js';
import { CHINESE, line, serials, startTestAgent, type TestAgent, TOKENS } from './sales.test-helpers.js';

let t: TestAgent;
const lots = { metf: 0, herb: 0 };
const [box1, box2, box3] = serials('METF', 1, 3) as [string, string, string];

const lotCodes = (lotId: number | string, token: string = TOKENS.manager) => t.api<LotCodes>('GET', `/api/stock/lots/${lotId}/codes`, undefined, token);
const recon = async (query = '') => {
  const r = await t.api<Reconciliation>('GET', `/api/reconciliation${query}`);
  expect(r.status).toBe(200);
  return r.body;
};
const bookCheck = (r: Reconciliation) => r.checks.find((c) => c.key === 'stock_book')!;
/** How many ledger events and outbox rows exist: recording a count must add neither. */
const ledgerSize = () =>
  t.agent.ledger.db.prepare('SELECT (SELECT COUNT(*) FROM events) AS events, (SELECT COUNT(*) FROM outbox) AS outbox').get() as {
    events: number;
    outbox: number;
  };

async function sell(code: string, pieces: number): Promise<void> {
  const id = await t.open();
  expect((await t.scan(id, code, pieces)).status).toBe(200);
  expect((await t.settle(id, 'self_pay')).status).toBe(200);
}

beforeAll(async () => {
  t = await startTestAgent();
  await t.receive({ procurementOrderNo: 'CG202611000020', lines: [line('METF', 'M1', [box1, box2, box3]), line('HERB', 'H1', [], { packs: 10 })] });
  const stock = await t.api<{ products: { productId: string; lots: { lotId: number }[] }[] }>('GET', '/api/stock');
  lots.metf = stock.body.products.find((p) => p.productId === 'METF')!.lots[0]!.lotId;
  lots.herb = stock.body.products.find((p) => p.productId === 'HERB')!.lots[0]!.lotId;
  // Box 1 opened and 10 tablets sold (拆零): it stays on the shelf with 38 left.
  await sell(box1, 10);
}, 30_000);
afterAll(async () => {
  await t?.close();
});

describe('GET /api/stock/lots/:id/codes', () => {
  it("lists the lot's boxes in stock by code, a split pack with the pieces it has left", async () => {
    const r = await lotCodes(lots.metf);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      lotId: lots.metf,
      productId: 'METF',
      lot: 'M1',
      coded: true,
      codes: [
        { code: box1, state: 'partly_sold', pieces: 48, piecesLeft: 38 },
        { code: box2, state: 'in_stock', pieces: 48, piecesLeft: 48 },
        { code: box3, state: 'in_stock', pieces: 48, piecesLeft: 48 },
      ],
    });
    // The pieces on the book are exactly these boxes' pieces.
    const stock = await t.api<{ products: { lots: { lotId: number; piecesOnHand: number }[] }[] }>('GET', '/api/stock?productId=METF');
    expect(stock.body.products[0]!.lots[0]!.piecesOnHand).toBe(38 + 48 + 48);
  });

  it('an uncoded lot has no codes; the lookup reads the in-stock index, not every code ever received', async () => {
    expect((await lotCodes(lots.herb)).body).toMatchObject({ lotId: lots.herb, productId: 'HERB', coded: false, codes: [] });
    const plan = t.agent.ledger.db
      .prepare('EXPLAIN QUERY PLAN SELECT code, pieces, pieces_sold FROM trace_codes WHERE lot_id = ? AND state = 0 ORDER BY code')
      .all(lots.metf) as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' | ')).toContain('trace_codes_lot_in_stock');
  });

  it('an unknown lot is a 404 in Chinese, a malformed id a 400; the cashier may not list codes, the technician may', async () => {
    const unknown = await lotCodes(99_999);
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors?.[0]).toMatchObject({ code: 'LOT_UNKNOWN', message: expect.stringMatching(CHINESE) });
    expect((await lotCodes('abc')).status).toBe(400);
    expect((await lotCodes(lots.metf, TOKENS.cashier)).status).toBe(403);
    expect((await lotCodes(lots.metf, TOKENS.technician)).status).toBe(200);
  });
});

describe('POST /api/stocktakes', () => {
  let first: Stocktake;

  it('records the count with the book read on the agent at that moment; no ledger event, no stock change', async () => {
    const before = ledgerSize();
    const r = await t.api<Stocktake>('POST', '/api/stocktakes', {
      note: '月末盘点',
      lines: [
        { lotId: lots.metf, countedPieces: 38 + 48 }, // box 3 is not on the shelf
        { lotId: lots.herb, countedPieces: 10 },
      ],
    });
    expect(r.status).toBe(201);
    first = r.body;
    expect(first).toMatchObject({ id: expect.any(Number), actor: 'mgr', note: '月末盘点', at: expect.any(String) });
    expect(first.lines).toEqual([
      { lotId: lots.herb, productId: 'HERB', name: '当归（饮片）', lot: 'H1', book: 10, counted: 10, difference: 0 },
      { lotId: lots.metf, productId: 'METF', name: '二甲双胍片', lot: 'M1', book: 134, counted: 86, difference: -48 },
    ]);
    // A count is a record, not a stock movement: the ledger and the platform's outbox are untouched.
    const after = ledgerSize();
    expect(after).toEqual(before);
    expect((await lotCodes(lots.metf)).body.codes).toHaveLength(3);
  });

  it('the page cannot supply the book; bad lines are refused in Chinese and nothing is recorded', async () => {
    const n = () => t.agent.ledger.db.prepare('SELECT COUNT(*) FROM stocktakes').pluck().get() as number;
    const recorded = n();
    const withBook = await t.api('POST', '/api/stocktakes', { lines: [{ lotId: lots.metf, countedPieces: 86, book: 86 }] });
    expect(withBook.status).toBe(400);
    expect(withBook.body.errors?.[0]?.message).toMatch(CHINESE);
    const twice = await t.api('POST', '/api/stocktakes', {
      lines: [
        { lotId: lots.metf, countedPieces: 1 },
        { lotId: lots.metf, countedPieces: 2 },
      ],
    });
    expect(twice).toMatchObject({ status: 422, body: { errors: [{ code: 'LOT_TWICE', message: expect.stringMatching(CHINESE) }] } });
    const unknown = await t.api('POST', '/api/stocktakes', {
      lines: [
        { lotId: lots.herb, countedPieces: 1 },
        { lotId: 99_999, countedPieces: 2 },
      ],
    });
    expect(unknown).toMatchObject({ status: 422, body: { errors: [{ code: 'LOT_UNKNOWN' }] } });
    expect((await t.api('POST', '/api/stocktakes', { lines: [{ lotId: lots.metf, countedPieces: -1 }] })).status).toBe(400);
    expect((await t.api('POST', '/api/stocktakes', { lines: [] })).status).toBe(400);
    expect((await t.api('POST', '/api/stocktakes', { lines: [{ lotId: lots.metf, countedPieces: 1 }] }, TOKENS.cashier)).status).toBe(403);
    expect((await t.api('POST', '/api/stocktakes', { lines: [{ lotId: lots.metf, countedPieces: 1 }] }, TOKENS.technician)).status).toBe(403);
    expect(n()).toBe(recorded);
  });

  it('is append-only: the database refuses to change or delete a count', () => {
    const db = t.agent.ledger.db;
    expect(() => db.prepare('UPDATE stocktake_lines SET counted_pieces = 134 WHERE stocktake_id = ?').run(first.id)).toThrow(/append-only: UPDATE refused/);
    expect(() => db.prepare('DELETE FROM stocktake_lines WHERE stocktake_id = ?').run(first.id)).toThrow(/append-only: DELETE refused/);
    expect(() => db.prepare("UPDATE stocktakes SET note = 'x' WHERE id = ?").run(first.id)).toThrow(/append-only: UPDATE refused/);
    expect(() => db.prepare('DELETE FROM stocktakes WHERE id = ?').run(first.id)).toThrow(/append-only: DELETE refused/);
    expect(db.prepare('SELECT counted_pieces FROM stocktake_lines WHERE stocktake_id = ? AND lot_id = ?').pluck().get(first.id, lots.metf)).toBe(86);
  });

  it("GET /api/stocktakes lists the period's counts with their lines; a past period holds none", async () => {
    const r = await t.api<{ stocktakes: Stocktake[] }>('GET', '/api/stocktakes', undefined, TOKENS.technician);
    expect(r.status).toBe(200);
    expect(r.body.stocktakes).toEqual([first]);
    expect((await t.api<{ stocktakes: Stocktake[] }>('GET', '/api/stocktakes?from=2026-10-01&to=2026-10-31')).body.stocktakes).toEqual([]);
    expect((await t.api('GET', '/api/stocktakes?from=2026-13-01')).status).toBe(400);
    expect((await t.api('GET', '/api/stocktakes', undefined, TOKENS.cashier)).status).toBe(403);
  });
});

describe('reconciliation: 实盘 and 差异 from the count; 账实相符 until the difference is adjusted', () => {
  it('shows counted and difference per product and fails 账实相符 on the unexplained shortfall, naming lot and figures', async () => {
    // A sale after the count moves the book, not the difference the count found.
    await sell(box2, 8);
    const r = await recon();
    const rows = Object.fromEntries(r.stock.rows.map((x) => [x.productId, x]));
    expect(rows.METF).toMatchObject({ book: 134 - 8, counted: 86, difference: -48 });
    expect(rows.HERB).toMatchObject({ book: 10, counted: 10, difference: 0 });
    expect(rows.METF!.counts).toEqual([expect.objectContaining({ lot: 'M1', book: 134, counted: 86, adjustedSince: 0 })]);
    const check = bookCheck(r);
    expect(check.ok).toBe(false);
    expect(check.message).toMatch(/二甲双胍片 批号 M1（\d{4}-\d\d-\d\d \d\d:\d\d:\d\d 盘点：实盘 86 件，账面 134 件，差异 -48 件，盘点后已调整 0 件）/);
    expect(check.message).toMatch(/请在「盘点」为差异填写原因并过账/);
    // The CSV carries the same 盘点/差异 columns.
    const res = await fetch(`${t.agent.url}/api/reconciliation.csv`, { headers: { authorization: `Bearer ${TOKENS.manager}` } });
    const csv = parse(await res.text(), { bom: true, relax_column_count: true }) as string[][];
    expect(csv.find((x) => x[0] === 'METF')!.slice(10, 12)).toEqual(['86', '-48']);
    expect(csv.find((x) => x[0] === 'HERB')!.slice(10, 12)).toEqual(['10', '0']);
    expect(csv.find((x) => x[0] === '账实相符')![1]).toBe('不符');
  });

  it('the missing box written off after the count explains the difference: 账实相符 agrees again', async () => {
    const adj = await t.api('POST', '/api/stock/adjustments', { lotId: lots.metf, codes: [box3], reason: '盘点：盘亏' });
    expect(adj.status).toBe(201);
    const r = await recon();
    const metf = r.stock.rows.find((x) => x.productId === 'METF')!;
    expect(metf).toMatchObject({ counted: 86, difference: -48, adjusted: -48, book: 78 });
    expect(metf.counts[0]).toMatchObject({ adjustedSince: -48 });
    expect(bookCheck(r)).toMatchObject({
      ok: true,
      message: expect.stringMatching(/本期盘点 2 个批次：1 个实盘与账面相符，1 个有差异且盘点后已通过库存调整登记原因/),
    });
    expect((await lotCodes(lots.metf)).body.codes.map((c) => c.code)).toEqual([box1, box2]);
  });

  it('a recount replaces the earlier count of that lot; a period without counts shows none', async () => {
    const again = await t.api<Stocktake>('POST', '/api/stocktakes', { lines: [{ lotId: lots.metf, countedPieces: 70 }] });
    expect(again.body.lines).toEqual([expect.objectContaining({ book: 78, counted: 70, difference: -8 })]);
    let r = await recon();
    expect(r.stock.rows.find((x) => x.productId === 'METF')).toMatchObject({ counted: 70, difference: -8 });
    // The earlier write-off answered the earlier count, not this one.
    expect(bookCheck(r).ok).toBe(false);
    expect(bookCheck(r).message).toMatch(/批号 M1.*实盘 70 件，账面 78 件，差异 -8 件，盘点后已调整 0 件/);
    // An uncoded lot counted short and adjusted by count (no codes to write off) agrees on its own.
    await t.api<Stocktake>('POST', '/api/stocktakes', { lines: [{ lotId: lots.herb, countedPieces: 7 }] });
    expect((await t.api('POST', '/api/stock/adjustments', { lotId: lots.herb, deltaPieces: -3, reason: '盘点：丢失' })).status).toBe(201);
    r = await recon();
    expect(r.stock.rows.find((x) => x.productId === 'HERB')).toMatchObject({ counted: 7, difference: -3, book: 7 });
    expect(bookCheck(r).message).not.toMatch(/当归/);

    const past = await recon('?from=2026-10-01&to=2026-10-31');
    expect(past.stock.rows).toEqual([]);
    expect(bookCheck(past)).toMatchObject({ ok: true, message: expect.stringMatching(/本期没有盘点记录/) });
  });
});
