import type { Product } from '../catalog/product.js';
import { productFromRow } from './catalog.js';
import { CodeState, codeStateName } from './codestate.js';
import type { Db } from './db.js';

export interface StockLot {
  lotId: number;
  bchno: string;
  lot: string;
  mfgDate: string | null;
  expiry: string;
  coded: boolean;
  piecesReceived: number;
  piecesOnHand: number;
  receiptId: number;
  receivedAt: string;
}

export interface StockEntry {
  productId: string;
  name: string;
  spec: string;
  piecesPerPack: number;
  piecesOnHand: number;
  lots: StockLot[];
}

export interface CodeLife {
  code: string;
  state: string;
  pieces: number;
  piecesSold: number;
  product: Product;
  lot: { lotId: number; lot: string; expiry: string; mfgDate: string | null; bchno: string };
  events: {
    kind: 'received' | 'sold' | 'returned';
    at: string;
    eventSeq: number;
    receiptId?: number;
    supplier?: string | null;
    invoiceNo?: string | null;
    saleId?: number;
    pieces?: number;
    payment?: string | null;
  }[];
}

/** A box of a lot still (partly) on the shelf by the book: what a stocktake expects to find. */
export interface LotCode {
  code: string;
  /** `partly_sold`: a split pack (拆零) some pieces of which were sold; `piecesLeft` says how many remain. */
  state: 'in_stock' | 'partly_sold';
  pieces: number;
  piecesLeft: number;
}

export interface LotCodes {
  lotId: number;
  productId: string;
  lot: string;
  coded: boolean;
  codes: LotCode[];
}

/** Read side of the ledger: stock and the life of a code. */
export class LedgerQueries {
  private readonly codeRow;
  private readonly codeSales;
  private readonly codeState;

  constructor(private readonly db: Db) {
    this.codeRow = db.prepare(`
      SELECT c.code, c.state, c.pieces, c.pieces_sold, c.received_seq,
             l.id AS lot_id, l.lot_no, l.expiry, l.mfg_date, l.bchno, l.receipt_id,
             r.received_at, r.invoice_no, s.name AS supplier, p.*
      FROM trace_codes c JOIN lots l ON l.id = c.lot_id JOIN products p ON p.id = l.product_id
      JOIN receipts r ON r.id = l.receipt_id LEFT JOIN suppliers s ON s.id = r.supplier_id
      WHERE c.code = ?`);
    this.codeState = db.prepare('SELECT state FROM trace_codes WHERE code = ?').pluck();
    this.codeSales = db.prepare(`
      SELECT s.id AS saleId, i.pieces, s.payment, s.settled_at, s.settled_seq, e.at AS reversed_at, s.reversed_seq
      FROM sale_items i JOIN sales s ON s.id = i.sale_id LEFT JOIN events e ON e.seq = s.reversed_seq
      WHERE i.code = ? AND i.removed = 0 AND s.settled_seq IS NOT NULL ORDER BY s.settled_seq`);
  }

  /** Stock per product and lot (lots with stock, earliest expiry first). */
  stock(opts: { productId?: string; includeEmpty?: boolean } = {}): StockEntry[] {
    const rows = this.db
      .prepare(
        `SELECT p.id AS product_id, p.name, p.spec, p.pieces_per_pack, l.id AS lot_id, l.bchno, l.lot_no, l.mfg_date, l.expiry,
                l.coded, l.pieces_received, l.pieces_on_hand, l.receipt_id, r.received_at
         FROM lots l JOIN products p ON p.id = l.product_id JOIN receipts r ON r.id = l.receipt_id
         WHERE (@productId IS NULL OR p.id = @productId) AND (@includeEmpty = 1 OR l.pieces_on_hand > 0)
         ORDER BY p.id, l.expiry, l.id`,
      )
      .all({ productId: opts.productId ?? null, includeEmpty: opts.includeEmpty ? 1 : 0 }) as {
      product_id: string;
      name: string;
      spec: string;
      pieces_per_pack: number;
      lot_id: number;
      bchno: string;
      lot_no: string;
      mfg_date: string | null;
      expiry: string;
      coded: number;
      pieces_received: number;
      pieces_on_hand: number;
      receipt_id: number;
      received_at: string;
    }[];
    const byProduct = new Map<string, StockEntry>();
    for (const r of rows) {
      let entry = byProduct.get(r.product_id);
      if (!entry) {
        entry = { productId: r.product_id, name: r.name, spec: r.spec, piecesPerPack: r.pieces_per_pack, piecesOnHand: 0, lots: [] };
        byProduct.set(r.product_id, entry);
      }
      entry.piecesOnHand += r.pieces_on_hand;
      entry.lots.push({
        lotId: r.lot_id,
        bchno: r.bchno,
        lot: r.lot_no,
        mfgDate: r.mfg_date,
        expiry: r.expiry,
        coded: r.coded === 1,
        piecesReceived: r.pieces_received,
        piecesOnHand: r.pieces_on_hand,
        receiptId: r.receipt_id,
        receivedAt: r.received_at,
      });
    }
    return [...byProduct.values()];
  }

  /** The life of one code (by canonical key): where it came from and what happened to it. */
  codeLife(key: string): CodeLife | undefined {
    const r = this.codeRow.get(key) as Record<string, unknown> | undefined;
    if (!r) return undefined;
    const product = productFromRow(r as unknown as Parameters<typeof productFromRow>[0]);
    return {
      code: r.code as string,
      state: codeStateName(r.state as number),
      pieces: r.pieces as number,
      piecesSold: r.pieces_sold as number,
      product,
      lot: { lotId: r.lot_id as number, lot: r.lot_no as string, expiry: r.expiry as string, mfgDate: r.mfg_date as string | null, bchno: r.bchno as string },
      events: [
        {
          kind: 'received',
          at: r.received_at as string,
          eventSeq: r.received_seq as number,
          receiptId: r.receipt_id as number,
          supplier: r.supplier as string | null,
          invoiceNo: r.invoice_no as string | null,
        },
        ...(
          this.codeSales.all(key) as {
            saleId: number;
            pieces: number;
            payment: string | null;
            settled_at: string;
            settled_seq: number;
            reversed_at: string | null;
            reversed_seq: number | null;
          }[]
        ).flatMap((x) => [
          { kind: 'sold' as const, at: x.settled_at, eventSeq: x.settled_seq, saleId: x.saleId, pieces: x.pieces, payment: x.payment },
          ...(x.reversed_seq !== null && x.reversed_at !== null
            ? [{ kind: 'returned' as const, at: x.reversed_at, eventSeq: x.reversed_seq, saleId: x.saleId, pieces: x.pieces }]
            : []),
        ]),
      ],
    };
  }

  /** The boxes of a lot in stock by the book (whole or partly sold), by code; undefined for an unknown lot. */
  lotCodes(lotId: number): LotCodes | undefined {
    const lot = this.db.prepare('SELECT id, product_id, lot_no, coded FROM lots WHERE id = ?').get(lotId) as
      | { id: number; product_id: string; lot_no: string; coded: number }
      | undefined;
    if (!lot) return undefined;
    const rows = this.db
      .prepare(`SELECT code, pieces, pieces_sold FROM trace_codes WHERE lot_id = ? AND state = ${CodeState.IN_STOCK} ORDER BY code`)
      .all(lotId) as { code: string; pieces: number; pieces_sold: number }[];
    return {
      lotId: lot.id,
      productId: lot.product_id,
      lot: lot.lot_no,
      coded: lot.coded === 1,
      codes: rows.map((r) => ({ code: r.code, state: r.pieces_sold > 0 ? 'partly_sold' : 'in_stock', pieces: r.pieces, piecesLeft: r.pieces - r.pieces_sold })),
    };
  }

  /** The product a lot belongs to, or undefined for an unknown lot. */
  lotProduct(lotId: number): string | undefined {
    return this.db.prepare('SELECT product_id FROM lots WHERE id = ?').pluck().get(lotId) as string | undefined;
  }

  /** When, by whom and why one event was recorded (e.g. a sale's reversal). */
  eventNote(seq: number): { at: string; actor: string | null; reason: string | null } | undefined {
    return this.db.prepare('SELECT at, actor, reason FROM events WHERE seq = ?').get(seq) as
      | { at: string; actor: string | null; reason: string | null }
      | undefined;
  }

  /** The platform records the outbox holds for these events, oldest first. */
  outboxForEvents(seqs: readonly number[]): { infno: string; recordKey: string; status: string; lastError: string | null }[] {
    if (seqs.length === 0) return [];
    return this.db
      .prepare(
        `SELECT o.infno, o.record_key AS recordKey, o.status, o.last_error AS lastError FROM outbox o WHERE o.event_seq IN (${seqs.map(() => '?').join(', ')}) ORDER BY o.id`,
      )
      .all(...seqs) as { infno: string; recordKey: string; status: string; lastError: string | null }[];
  }

  /**
   * Code key -> state, for the codes that exist (one primary-key lookup each). All lookups share one
   * read transaction: outside one, SQLite takes and drops the WAL read lock for every key.
   */
  codeStates(keys: Iterable<string>): Map<string, number> {
    const out = new Map<string, number>();
    const lookup = () => {
      for (const k of keys) {
        const s = this.codeState.get(k) as number | undefined;
        if (s !== undefined) out.set(k, s);
      }
    };
    if (this.db.inTransaction) lookup();
    else this.db.transaction(lookup).deferred();
    return out;
  }
}
