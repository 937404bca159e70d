// Stock movements per product over a period, read from the ledger's events (the record of truth), and the
// stock before it. SQLite sums the events' JSON itself, and only for events inside the period: the whole
// history is never parsed (better-sqlite3 is synchronous, and the counter shares this process).
import type { Db } from '../ledger/index.js';
import type { Period } from './period.js';

export interface Movement {
  received: number;
  /** Opening stock (期初建账, 无码库) recorded during the period: stock the store had before the box, not a delivery. */
  openingRecorded: number;
  sold: number;
  returned: number;
  /** Positive adjustments (盘盈). */
  surplus: number;
  /** Negative adjustments as a positive number of pieces (报损、盘亏). */
  writtenOff: number;
  /** Boxes received from another store of the chain (调入, transfer.received), pieces each still held. */
  transferredIn: number;
  /** Boxes shipped to another store of the chain (调出, transfer.shipped). */
  transferredOut: number;
}

export interface ProductMovements {
  productId: string;
  name: string;
  during: Movement;
}

type Kind = keyof Movement;

export const emptyMovement = (): Movement => ({
  received: 0,
  openingRecorded: 0,
  sold: 0,
  returned: 0,
  surplus: 0,
  writtenOff: 0,
  transferredIn: 0,
  transferredOut: 0,
});

/** Net change in pieces of a movement: received (and opening stock recorded) − sold + returned + adjustments + transfers in − out. */
export function netPieces(m: Movement): number {
  return m.received + m.openingRecorded - m.sold + m.returned + m.surplus - m.writtenOff + m.transferredIn - m.transferredOut;
}

export class MovementQueries {
  private readonly duringStmt;
  private readonly openingStmt;

  constructor(db: Db) {
    this.duringStmt = db.prepare(`
      SELECT m.product_id, m.kind, p.name, SUM(m.pieces) AS pieces
      FROM (
        SELECT CASE e.type WHEN 'stock.opening_recorded' THEN 'openingRecorded' ELSE 'received' END AS kind, json_extract(l.value, '$.productId') AS product_id, json_extract(l.value, '$.pieces') AS pieces
          FROM events e, json_each(e.payload, '$.lines') l
          WHERE e.type IN ('receipt.recorded', 'stock.opening_recorded') AND e.at >= @start AND e.at < @end
        UNION ALL
        SELECT 'sold', json_extract(i.value, '$.productId'), json_extract(i.value, '$.pieces')
          FROM events e, json_each(e.payload, '$.items') i WHERE e.type = 'sale.settled' AND e.at >= @start AND e.at < @end
        UNION ALL
        SELECT 'returned', json_extract(i.value, '$.productId'), json_extract(i.value, '$.pieces')
          FROM events e, json_each(e.payload, '$.items') i WHERE e.type = 'sale.reversed' AND e.at >= @start AND e.at < @end
        UNION ALL
        SELECT CASE WHEN json_extract(e.payload, '$.delta') < 0 THEN 'writtenOff' ELSE 'surplus' END,
               json_extract(e.payload, '$.productId'), ABS(json_extract(e.payload, '$.delta'))
          FROM events e WHERE e.type = 'stock.adjusted' AND e.at >= @start AND e.at < @end
        UNION ALL
        SELECT CASE e.type WHEN 'transfer.received' THEN 'transferredIn' ELSE 'transferredOut' END,
               json_extract(l.value, '$.productId'), json_extract(c.value, '$.pieces')
          FROM events e, json_each(e.payload, '$.lines') l, json_each(l.value, '$.codes') c
          WHERE e.type IN ('transfer.received', 'transfer.shipped') AND e.at >= @start AND e.at < @end
      ) m LEFT JOIN products p ON p.id = m.product_id
      GROUP BY m.product_id, m.kind`);
    // Stock at `start`, from the tables that record each movement with its time (a sale's lines are fixed once
    // it is settled): received (transfers in are receipts too, kind 'transfer') − sold + returned + adjustments −
    // transfers out. Independent of lots.pieces_on_hand, so the reconciliation can compare the two.
    this.openingStmt = db.prepare(`
      SELECT product_id, SUM(pieces) AS pieces FROM (
        SELECT l.product_id, l.pieces_received AS pieces FROM lots l JOIN receipts r ON r.id = l.receipt_id WHERE r.received_at < @start
        UNION ALL
        SELECT i.product_id, -i.pieces FROM sales s JOIN sale_items i ON i.sale_id = s.id AND i.removed = 0
          WHERE s.settled_seq IS NOT NULL AND s.settled_at < @start
        UNION ALL
        SELECT i.product_id, i.pieces FROM sales s JOIN events r ON r.seq = s.reversed_seq JOIN sale_items i ON i.sale_id = s.id AND i.removed = 0
          WHERE r.at < @start
        UNION ALL
        SELECT json_extract(e.payload, '$.productId'), json_extract(e.payload, '$.delta') FROM events e WHERE e.type = 'stock.adjusted' AND e.at < @start
        UNION ALL
        SELECT json_extract(l.value, '$.productId'), -json_extract(c.value, '$.pieces')
          FROM events e, json_each(e.payload, '$.lines') l, json_each(l.value, '$.codes') c WHERE e.type = 'transfer.shipped' AND e.at < @start
      ) GROUP BY product_id`);
  }

  /** Every product that moved during the period, ordered by id. */
  during(period: Pick<Period, 'startIso' | 'endIso'>): ProductMovements[] {
    const rows = this.duringStmt.all({ start: period.startIso, end: period.endIso }) as {
      product_id: string;
      kind: Kind;
      name: string | null;
      pieces: number;
    }[];
    const out = new Map<string, ProductMovements>();
    for (const r of rows) {
      let p = out.get(r.product_id);
      if (!p) {
        p = { productId: r.product_id, name: r.name ?? r.product_id, during: emptyMovement() };
        out.set(r.product_id, p);
      }
      p.during[r.kind] += r.pieces;
    }
    return [...out.values()].sort((a, b) => a.productId.localeCompare(b.productId));
  }

  /** Pieces per product in stock at `startIso`. */
  openingStock(startIso: string): Map<string, number> {
    return new Map((this.openingStmt.all({ start: startIso }) as { product_id: string; pieces: number }[]).map((r) => [r.product_id, r.pieces]));
  }
}
