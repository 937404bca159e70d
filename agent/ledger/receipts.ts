import type { AcceptedLine } from '../receiving/types.js';
import { CodeState } from './codestate.js';
import type { Db } from './db.js';
import type { EventLog } from './events.js';
import { Outbox } from './outbox.js';

export interface RecordReceiptArgs {
  supplier: string;
  invoiceNo: string;
  deliveryNoteNo: string;
  procurementOrderNo?: string | undefined;
  filingRef?: string | undefined;
  lines: readonly AcceptedLine[];
}

export interface OpeningLine {
  product: AcceptedLine['product'];
  lot: string;
  mfgDate?: string | undefined;
  expiry: string;
  pieces: number;
  pricePerPack: number;
}

/**
 * Writes accepted receipts and opening stock: one event, its projections and its outbox rows in one
 * transaction. Validation happened before (receiving/validate.ts); this only records.
 */
export class ReceiptWriter {
  private readonly stmts;
  private readonly outbox: Outbox;

  constructor(
    private readonly db: Db,
    private readonly log: EventLog,
    /** The ledger file's random id (meta), part of every batch id we issue. */
    private readonly ledgerId: string,
  ) {
    this.outbox = new Outbox(db);
    this.stmts = {
      nextReceiptId: db.prepare('SELECT COALESCE(MAX(id), 0) + 1 FROM receipts').pluck(),
      supplierId: db.prepare('SELECT id FROM suppliers WHERE name = ?').pluck(),
      insertSupplier: db.prepare('INSERT INTO suppliers (name) VALUES (?)'),
      insertReceipt:
        db.prepare(`INSERT INTO receipts (id, kind, event_seq, supplier_id, invoice_no, delivery_note_no, procurement_order_no, filing_ref, received_at)
        VALUES (@id, @kind, @seq, @supplierId, @invoiceNo, @deliveryNoteNo, @procurementOrderNo, @filingRef, @at)`),
      insertLot:
        db.prepare(`INSERT INTO lots (receipt_id, line_no, product_id, lot_no, mfg_date, expiry, bchno, coded, pieces_received, pieces_on_hand, price_per_pack)
        VALUES (@receiptId, @lineNo, @productId, @lot, @mfgDate, @expiry, @bchno, @coded, @pieces, @pieces, @pricePerPack)`),
      insertCode: db.prepare('INSERT INTO trace_codes (code, lot_id, pieces, pieces_sold, state, received_seq) VALUES (?, ?, ?, 0, ?, ?)'),
    };
  }

  recordReceipt(r: RecordReceiptArgs, opts: { at: Date; actor?: string }): { id: number; seq: number; lotIds: number[] } {
    return this.db.transaction(() => {
      const id = this.stmts.nextReceiptId.get() as number;
      const ledgerId = this.ledgerId;
      const lines = r.lines.map((l) => ({ ...l, bchno: bchno(ledgerId, id, l.lineNo) }));
      const { seq } = this.log.append(
        'receipt.recorded',
        {
          receiptId: id,
          supplier: r.supplier,
          invoiceNo: r.invoiceNo,
          deliveryNoteNo: r.deliveryNoteNo,
          procurementOrderNo: r.procurementOrderNo ?? null,
          filingRef: r.filingRef ?? null,
          lines: lines.map((l) => ({
            lineNo: l.lineNo,
            bchno: l.bchno,
            productId: l.product.id,
            // Snapshot of what the platform record needs, so a later catalogue edit cannot change history.
            product: snapshot(l.product),
            lot: l.lot,
            mfgDate: l.mfgDate,
            expiry: l.expiry,
            packs: l.packs,
            piecesPerPack: l.product.piecesPerPack,
            pieces: l.pieces,
            pricePerPack: l.pricePerPack,
            codes: l.codes,
          })),
        },
        opts,
      );
      this.stmts.insertReceipt.run({
        id,
        kind: 'purchase',
        seq,
        supplierId: this.supplierId(r.supplier),
        invoiceNo: r.invoiceNo,
        deliveryNoteNo: r.deliveryNoteNo,
        procurementOrderNo: r.procurementOrderNo ?? null,
        filingRef: r.filingRef ?? null,
        at: opts.at.toISOString(),
      });
      const lotIds: number[] = [];
      for (const l of lines) {
        const lotId = this.insertLot(id, l, l.codes.length > 0);
        lotIds.push(lotId);
        for (const code of l.codes) this.stmts.insertCode.run(code, lotId, l.product.piecesPerPack, CodeState.IN_STOCK, seq);
        if (reportable(l.product)) this.outbox.enqueue(seq, '3503', l.bchno, opts.at);
      }
      return { id, seq, lotIds };
    })();
  }

  /**
   * Opening stock (无码库): goods bought before trace codes were required, counted into the ledger as lots
   * without codes. Reported as inventory (3501).
   */
  recordOpeningStock(
    r: { lines: readonly OpeningLine[]; procurementOrderNo?: string | undefined; filingRef?: string | undefined; note?: string | undefined },
    opts: { at: Date; actor?: string },
  ): { id: number; seq: number; lotIds: number[] } {
    return this.db.transaction(() => {
      const id = this.stmts.nextReceiptId.get() as number;
      const ledgerId = this.ledgerId;
      const lines = r.lines.map((l, i) => ({ ...l, lineNo: i + 1, bchno: bchno(ledgerId, id, i + 1) }));
      const { seq } = this.log.append(
        'stock.opening_recorded',
        {
          receiptId: id,
          note: r.note ?? null,
          procurementOrderNo: r.procurementOrderNo ?? null,
          filingRef: r.filingRef ?? null,
          lines: lines.map((l) => ({
            lineNo: l.lineNo,
            bchno: l.bchno,
            productId: l.product.id,
            product: snapshot(l.product),
            lot: l.lot,
            mfgDate: l.mfgDate ?? null,
            expiry: l.expiry,
            pieces: l.pieces,
            piecesPerPack: l.product.piecesPerPack,
            pricePerPack: l.pricePerPack,
          })),
        },
        opts,
      );
      this.stmts.insertReceipt.run({
        id,
        kind: 'opening',
        seq,
        supplierId: null,
        invoiceNo: null,
        deliveryNoteNo: null,
        procurementOrderNo: r.procurementOrderNo ?? null,
        filingRef: r.filingRef ?? null,
        at: opts.at.toISOString(),
      });
      const lotIds = lines.map((l) => {
        const lotId = this.insertLot(id, l, false);
        if (reportable(l.product)) this.outbox.enqueue(seq, '3501', l.bchno, opts.at);
        return lotId;
      });
      return { id, seq, lotIds };
    })();
  }

  /** One lot row per receipt line: its stock starts as what was received. */
  private insertLot(
    receiptId: number,
    l: {
      lineNo: number;
      product: { id: string };
      lot: string;
      mfgDate?: string | undefined;
      expiry: string;
      bchno: string;
      pieces: number;
      pricePerPack: number;
    },
    coded: boolean,
  ): number {
    return Number(
      this.stmts.insertLot.run({
        receiptId,
        lineNo: l.lineNo,
        productId: l.product.id,
        lot: l.lot,
        mfgDate: l.mfgDate ?? null,
        expiry: l.expiry,
        bchno: l.bchno,
        coded: coded ? 1 : 0,
        pieces: l.pieces,
        pricePerPack: l.pricePerPack,
      }).lastInsertRowid,
    );
  }

  private supplierId(name: string): number {
    const existing = this.stmts.supplierId.get(name) as number | undefined;
    return existing ?? Number(this.stmts.insertSupplier.run(name).lastInsertRowid);
  }
}

/**
 * The 进销存 interfaces report goods of the insurance catalogue (they are keyed by med_list_codg);
 * health food, cosmetics and daily goods without a national code are not reported.
 */
function reportable(p: AcceptedLine['product']): boolean {
  return p.nhsaCode.trim() !== '';
}

/** Our batch id (fixmedins_bchno): ledger id keeps it unique even if a box is reinstalled with a fresh ledger. */
export function bchno(ledgerId: string, receiptId: number, lineNo: number): string {
  return `${ledgerId}-${receiptId}-${lineNo}`;
}

function snapshot(p: AcceptedLine['product']) {
  return { nhsaCode: p.nhsaCode, name: p.name, spec: p.spec, manufacturer: p.manufacturer, approvalNo: p.approvalNo, rx: p.rx };
}
