// The stock side of a reconciliation, per product: opening + received − sold + returned + adjusted + transferred
// = closing (opening includes opening stock recorded during the period; transferred is 调入 − 调出).
// The period's movements come from the ledger's events, the opening from the dated movement tables; `book` is
// what the lots hold now (when the period ends today), so a difference means the stock tables drifted.
// `counted`/`difference` come from the period's stocktakes (counted.ts).
import type { Db } from '../ledger/index.js';
import { emptyMovement, MovementQueries, netPieces } from '../reports/movements.js';
import type { Period } from '../reports/period.js';
import { CountQueries } from './counted.js';
import type { LotCount, StockFigures, StockRow } from './types.js';

const FIGURES = ['opening', 'received', 'sold', 'returned', 'adjusted', 'transferred', 'closing', 'book'] as const;

export class StockQueries {
  private readonly movements: MovementQueries;
  private readonly counts: CountQueries;
  private readonly bookStmt;

  constructor(db: Db) {
    this.movements = new MovementQueries(db);
    this.counts = new CountQueries(db);
    this.bookStmt = db.prepare(
      'SELECT p.id AS product_id, p.name, COALESCE(SUM(l.pieces_on_hand), 0) AS pieces FROM products p LEFT JOIN lots l ON l.product_id = p.id GROUP BY p.id',
    );
  }

  stock(period: Period): { rows: StockRow[]; totals: StockFigures } {
    const book = new Map((this.bookStmt.all() as { product_id: string; name: string; pieces: number }[]).map((r) => [r.product_id, r]));
    const opening = this.movements.openingStock(period.startIso);
    const during = new Map(this.movements.during(period).map((m) => [m.productId, m.during]));
    const counts = new Map<string, LotCount[]>();
    for (const c of this.counts.lotCounts(period)) {
      const list = counts.get(c.productId);
      if (list) list.push(c);
      else counts.set(c.productId, [c]);
    }
    const ids = new Set([...opening.keys(), ...during.keys(), ...counts.keys(), ...(period.toIsToday ? book.keys() : [])]);
    const rows: StockRow[] = [...ids].map((productId) => {
      const open = opening.get(productId) ?? 0;
      const d = during.get(productId) ?? emptyMovement();
      const closing = open + netPieces(d);
      const lots = counts.get(productId) ?? [];
      const counted = lots.length ? lots.reduce((n, c) => n + c.counted, 0) : null;
      return {
        // Opening stock recorded in the period is 期初, not 入库 (issue 14): 入库 then equals the period's
        // purchases (进货) on the same screen, and 期初 + 入库 − 售出 + 退回 + 调整 still adds up to 期末.
        productId,
        name: book.get(productId)?.name ?? productId,
        opening: open + d.openingRecorded,
        received: d.received,
        sold: d.sold,
        returned: d.returned,
        adjusted: d.surplus - d.writtenOff,
        // Transfers between the chain's stores (调拨): apart from 入库, which stays the period's purchases.
        transferred: d.transferredIn - d.transferredOut,
        transferredIn: d.transferredIn,
        transferredOut: d.transferredOut,
        closing,
        book: period.toIsToday ? (book.get(productId)?.pieces ?? 0) : closing,
        counted,
        difference: counted === null ? null : counted - lots.reduce((n, c) => n + c.book, 0),
        counts: lots,
      };
    });
    const shown = rows.filter((r) => r.counted !== null || FIGURES.some((k) => r[k] !== 0)).sort((a, b) => a.productId.localeCompare(b.productId));
    const totals = Object.fromEntries(FIGURES.map((k) => [k, shown.reduce((n, r) => n + r[k], 0)])) as unknown as StockFigures;
    return { rows: shown, totals };
  }
}
