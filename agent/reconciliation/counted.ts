// The counted side of 账实相符: per lot, the latest stocktake of the period (what was counted, the book at
// that moment) and the stock adjustments posted for that lot after the count. A difference is explained when
// those adjustments add up to it: the book then says what the shelf said.
import type { Db } from '../ledger/index.js';
import type { Period } from '../reports/period.js';
import type { LotCount } from './types.js';

interface LatestRow {
  stocktake_id: number;
  at: string;
  book_seq: number;
  next_seq: number | null;
  lot_id: number;
  product_id: string;
  lot_no: string;
  bchno: string;
  book_pieces: number;
  counted_pieces: number;
}

export class CountQueries {
  private readonly latestStmt;
  private readonly adjustmentsStmt;

  constructor(db: Db) {
    // Latest by id (the order counts were recorded in), so a clock set back cannot make an older count win.
    // next_seq bounds the adjustments that answer this count: a later count of the lot answers for its own.
    this.latestStmt = db.prepare(`
      WITH latest AS (
        SELECT s.id AS stocktake_id, s.at, s.book_seq, sl.lot_id, sl.product_id, sl.book_pieces, sl.counted_pieces,
               ROW_NUMBER() OVER (PARTITION BY sl.lot_id ORDER BY s.id DESC) AS rn
        FROM stocktakes s JOIN stocktake_lines sl ON sl.stocktake_id = s.id
        WHERE s.at >= @start AND s.at < @end)
      SELECT x.stocktake_id, x.at, x.book_seq, x.lot_id, x.product_id, x.book_pieces, x.counted_pieces, l.lot_no, l.bchno,
             (SELECT MIN(n.book_seq) FROM stocktake_lines nl JOIN stocktakes n ON n.id = nl.stocktake_id
               WHERE nl.lot_id = x.lot_id AND n.id > x.stocktake_id) AS next_seq
      FROM latest x JOIN lots l ON l.id = x.lot_id WHERE x.rn = 1
      ORDER BY x.product_id, l.expiry, x.lot_id`);
    // Adjustments are few (one per written-off box list or counted surplus): read them by type (events_type_at).
    this.adjustmentsStmt = db.prepare(`
      SELECT e.seq, json_extract(e.payload, '$.lotBchno') AS lot_bchno, json_extract(e.payload, '$.delta') AS delta
      FROM events e WHERE e.type = 'stock.adjusted' AND e.seq > @after`);
  }

  /** Per lot counted in the period: its latest count and the adjustments posted for it since. */
  lotCounts(period: Period): LotCount[] {
    const latest = this.latestStmt.all({ start: period.startIso, end: period.endIso }) as LatestRow[];
    if (latest.length === 0) return [];
    const after = latest.reduce((n, r) => Math.min(n, r.book_seq), Number.MAX_SAFE_INTEGER);
    const byLot = new Map<string, { seq: number; delta: number }[]>();
    for (const a of this.adjustmentsStmt.all({ after }) as { seq: number; lot_bchno: string; delta: number }[]) {
      const list = byLot.get(a.lot_bchno);
      if (list) list.push(a);
      else byLot.set(a.lot_bchno, [a]);
    }
    return latest.map((r) => ({
      stocktakeId: r.stocktake_id,
      at: r.at,
      lotId: r.lot_id,
      lot: r.lot_no,
      productId: r.product_id,
      book: r.book_pieces,
      counted: r.counted_pieces,
      adjustedSince: (byLot.get(r.bchno) ?? [])
        .filter((a) => a.seq > r.book_seq && (r.next_seq === null || a.seq <= r.next_seq))
        .reduce((n, a) => n + a.delta, 0),
    }));
  }
}
