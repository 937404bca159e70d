// A transfer between two stores of the chain (调拨) on the reconciliation's stock table: apart from 入库 (which stays
// the period's purchases), each row still adds up (期初 + 入库 − 销售 + 退回 ± 调整 ± 调拨 = 期末 = 账面), in the
// period of the transfer and as 期初 of the next. Two real ledgers on disk; the manifest is the shipped event's own lines.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AMOX, code, receipt } from '../../test/fixtures.js';
import { tempDir } from '../../test/helpers.js';
import type { TransferShippedPayload } from '../ledger/event-types.js';
import { Ledger } from '../ledger/index.js';
import { ReceivingService } from '../receiving/service.js';
import { periodOf } from '../reports/period.js';
import { stockCheck } from './checks.js';
import { StockQueries } from './stock.js';

const A = { store: 'H13010300001', name: '东门店' };
const B = { store: 'H13010300002', name: '西门店' };
const receivedAt = new Date('2026-12-01T02:00:00.000Z');
const shippedAt = new Date('2026-12-02T02:00:00.000Z');
const arrivedAt = new Date('2026-12-02T06:00:00.000Z');
const boxes = [1, 2, 3, 4, 5].map((n) => code(AMOX.tracePrefix as string, n));
const pieces = AMOX.piecesPerPack;

let dir: { dir: string; cleanup: () => void };
let a: Ledger;
let b: Ledger;

beforeEach(() => {
  dir = tempDir();
  a = Ledger.open(join(dir.dir, 'a.db'));
  b = Ledger.open(join(dir.dir, 'b.db'));
  for (const l of [a, b]) l.catalog.importProducts([AMOX], { at: receivedAt });
  const line = receipt().lines[0];
  if (!line) throw new Error('fixture receipt has no line');
  const r = new ReceivingService(a, {}, () => receivedAt).receive({ ...receipt(), lines: [{ ...line, packs: boxes.length, codes: boxes }] });
  if (!r.ok) throw new Error(JSON.stringify(r));
  // A ships three boxes to B; B scans two in (one short).
  const { transferId, seq } = a.transfers.ship({ from: A, to: B, codes: boxes.slice(0, 3) }, { at: shippedAt });
  const raw = a.db.prepare('SELECT payload FROM events WHERE seq = ?').pluck().get(seq) as string;
  const shipped = JSON.parse(raw) as TransferShippedPayload;
  b.transfers.cacheInbound([{ transferId, from: A, to: B, shippedAt: shippedAt.toISOString(), lines: shipped.lines }], arrivedAt);
  b.transfers.receive(transferId, boxes.slice(0, 2), () => true, { at: arrivedAt });
});
afterEach(() => {
  a.close();
  b.close();
  dir.cleanup();
});

const row = (ledger: Ledger, from: string, to: string) => {
  const { rows, totals } = new StockQueries(ledger.db).stock(periodOf(from, to, '2026-12-07'));
  expect(rows).toHaveLength(1);
  const r = rows[0];
  if (!r) throw new Error('no row');
  // The row adds up on screen, and the totals are the sum of the rows.
  expect(r.opening + r.received - r.sold + r.returned + r.adjusted + r.transferred).toBe(r.closing);
  for (const k of ['opening', 'received', 'transferred', 'closing', 'book'] as const) expect(totals[k]).toBe(r[k]);
  return r;
};

describe('transfers on the stock reconciliation (调拨)', () => {
  it('the shipping store: 调拨 −3 boxes, 入库 stays the purchase, 期末 equals the book', () => {
    const r = row(a, '2026-12-01', '2026-12-07');
    expect(r).toMatchObject({ opening: 0, received: 5 * pieces, transferred: -3 * pieces, transferredIn: 0, transferredOut: 3 * pieces });
    expect(r.closing).toBe(2 * pieces);
    expect(r.book).toBe(r.closing);
    expect(stockCheck([r], true).ok).toBe(true);
  });

  it('the receiving store: 调拨 +2 boxes (the one short is not stock), no purchase, 期末 equals the book', () => {
    const r = row(b, '2026-12-01', '2026-12-07');
    expect(r).toMatchObject({ opening: 0, received: 0, transferred: 2 * pieces, transferredIn: 2 * pieces, transferredOut: 0 });
    expect(r.book).toBe(2 * pieces);
    expect(r.closing).toBe(r.book);
    expect(stockCheck([r], true).ok).toBe(true);
  });

  it('the next period starts from stock after the transfer at both stores', () => {
    expect(row(a, '2026-12-03', '2026-12-07')).toMatchObject({ opening: 2 * pieces, transferred: 0, closing: 2 * pieces, book: 2 * pieces });
    expect(row(b, '2026-12-03', '2026-12-07')).toMatchObject({ opening: 2 * pieces, transferred: 0, closing: 2 * pieces, book: 2 * pieces });
  });
});
