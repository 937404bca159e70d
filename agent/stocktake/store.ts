// 盘点 records: what the manager counted per lot, next to the book stock at that moment (read here, on the
// agent, never taken from the page). Recording a count is NOT a ledger stock event and changes no stock: the
// book moves only through stock.adjusted events (盘盈/盘亏 with their reason, reported as 3502), which the page
// posts after the count. The reconciliation compares the two (reconciliation/counted.ts).

import { AppError } from '../../common/app-error.js';
import type { Db } from '../ledger/index.js';
import type { Period } from '../reports/period.js';

export interface StocktakeLineInput {
  lotId: number;
  countedPieces: number;
}

export interface StocktakeLine {
  lotId: number;
  productId: string;
  name: string;
  lot: string;
  /** Book stock of the lot when the count was recorded. */
  book: number;
  counted: number;
  /** counted − book: positive is 盘盈, negative 盘亏. */
  difference: number;
}

export interface Stocktake {
  id: number;
  at: string;
  actor: string | null;
  note: string | null;
  lines: StocktakeLine[];
}

/** A count that cannot be recorded: 422 with the reason. */
export class StocktakeError extends AppError {
  constructor(code: string, message: string) {
    super(code, 422, message);
  }
}

interface LineRow {
  stocktake_id: number;
  lot_id: number;
  product_id: string;
  name: string;
  lot_no: string;
  book_pieces: number;
  counted_pieces: number;
}

const LINE_COLUMNS = `sl.stocktake_id, sl.lot_id, sl.product_id, p.name, l.lot_no, sl.book_pieces, sl.counted_pieces
  FROM stocktake_lines sl JOIN lots l ON l.id = sl.lot_id JOIN products p ON p.id = sl.product_id`;

const toLine = (r: LineRow): StocktakeLine => ({
  lotId: r.lot_id,
  productId: r.product_id,
  name: r.name,
  lot: r.lot_no,
  book: r.book_pieces,
  counted: r.counted_pieces,
  difference: r.counted_pieces - r.book_pieces,
});

export class StocktakeStore {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      lastSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) FROM events').pluck(),
      lot: db.prepare('SELECT id, product_id, lot_no, pieces_on_hand FROM lots WHERE id = ?'),
      insert: db.prepare('INSERT INTO stocktakes (at, actor, note, book_seq) VALUES (@at, @actor, @note, @bookSeq)'),
      insertLine: db.prepare(
        'INSERT INTO stocktake_lines (stocktake_id, lot_id, product_id, book_pieces, counted_pieces) VALUES (@stocktakeId, @lotId, @productId, @book, @counted)',
      ),
      header: db.prepare('SELECT id, at, actor, note FROM stocktakes WHERE id = ?'),
      lines: db.prepare(`SELECT ${LINE_COLUMNS} WHERE sl.stocktake_id = ? ORDER BY sl.product_id, l.expiry, sl.lot_id`),
      period: db.prepare('SELECT id, at, actor, note FROM stocktakes WHERE at >= @start AND at < @end ORDER BY id DESC'),
      periodLines: db.prepare(`SELECT ${LINE_COLUMNS} JOIN stocktakes s ON s.id = sl.stocktake_id
        WHERE s.at >= @start AND s.at < @end ORDER BY sl.product_id, l.expiry, sl.lot_id`),
    };
  }

  /** Records one count: every line's book is the lot's stock now, in the same transaction as the insert. */
  record(input: { note?: string; lines: readonly StocktakeLineInput[] }, opts: { at: Date; actor?: string }): Stocktake {
    if (input.lines.length === 0) throw new StocktakeError('NO_LINES', '盘点记录没有任何批次：请先扫码或填写实盘数量');
    const seen = new Set<number>();
    for (const l of input.lines) {
      if (seen.has(l.lotId)) throw new StocktakeError('LOT_TWICE', `批次 ${l.lotId} 在同一次盘点中出现两次：每个批次只填一个实盘数量`);
      seen.add(l.lotId);
    }
    const note = input.note?.trim() ? input.note.trim() : null;
    const id = this.db
      .transaction(() => {
        const lots = input.lines.map((l) => {
          const lot = this.s.lot.get(l.lotId) as { id: number; product_id: string; lot_no: string; pieces_on_hand: number } | undefined;
          if (!lot) throw new StocktakeError('LOT_UNKNOWN', `批次 ${l.lotId} 不存在：请刷新盘点页面后重试`);
          return { lot, counted: l.countedPieces };
        });
        const { lastInsertRowid } = this.s.insert.run({ at: opts.at.toISOString(), actor: opts.actor ?? null, note, bookSeq: this.s.lastSeq.get() as number });
        const stocktakeId = Number(lastInsertRowid);
        for (const { lot, counted } of lots) {
          this.s.insertLine.run({ stocktakeId, lotId: lot.id, productId: lot.product_id, book: lot.pieces_on_hand, counted });
        }
        return stocktakeId;
      })
      .immediate();
    return this.get(id)!;
  }

  get(id: number): Stocktake | undefined {
    const h = this.s.header.get(id) as { id: number; at: string; actor: string | null; note: string | null } | undefined;
    if (!h) return undefined;
    return { ...h, lines: (this.s.lines.all(id) as LineRow[]).map(toLine) };
  }

  /** The stocktakes recorded in a period, newest first, each with its lines. */
  list(period: Period): Stocktake[] {
    const range = { start: period.startIso, end: period.endIso };
    const lines = new Map<number, StocktakeLine[]>();
    for (const r of this.s.periodLines.all(range) as LineRow[]) {
      const list = lines.get(r.stocktake_id) ?? [];
      list.push(toLine(r));
      lines.set(r.stocktake_id, list);
    }
    return (this.s.period.all(range) as { id: number; at: string; actor: string | null; note: string | null }[]).map((h) => ({
      ...h,
      lines: lines.get(h.id) ?? [],
    }));
  }
}
