// The purchase side of a reconciliation: each receipt of the period with its documents, pieces and cost.
import type { Db } from '../ledger/index.js';
import type { Period } from '../reports/period.js';
import { countUploads, type UploadState, uploadStateSql } from '../reports/upload-state.js';
import type { PurchaseRow, Purchases } from './types.js';

const blank = (s: string | null): boolean => s === null || s.trim() === '';

export class PurchaseQueries {
  private readonly rowsStmt;
  private readonly openingStmt;

  constructor(db: Db) {
    // A purchase line is whole packs (receiving/validate.ts), so pieces / pieces_per_pack is the pack count.
    this.rowsStmt = db.prepare(`
      SELECT r.id, r.received_at, sp.name AS supplier, r.invoice_no, r.delivery_note_no, r.procurement_order_no, r.filing_ref,
        COUNT(l.id) AS lines, COALESCE(SUM(l.pieces_received), 0) AS pieces,
        COALESCE(SUM(l.pieces_received / p.pieces_per_pack * l.price_per_pack), 0) AS amount,
        ${uploadStateSql('r.event_seq')} AS upload
      FROM receipts r LEFT JOIN suppliers sp ON sp.id = r.supplier_id
        LEFT JOIN lots l ON l.receipt_id = r.id LEFT JOIN products p ON p.id = l.product_id
      WHERE r.kind = 'purchase' AND r.received_at >= @start AND r.received_at < @end
      GROUP BY r.id ORDER BY r.received_at, r.id`);
    this.openingStmt = db.prepare(`
      SELECT COUNT(DISTINCT r.id) AS receipts, COALESCE(SUM(l.pieces_received), 0) AS pieces
      FROM receipts r JOIN lots l ON l.receipt_id = r.id
      WHERE r.kind = 'opening' AND r.received_at >= @start AND r.received_at < @end`);
  }

  purchases(period: Period): Purchases {
    const range = { start: period.startIso, end: period.endIso };
    const raw = this.rowsStmt.all(range) as {
      id: number;
      received_at: string;
      supplier: string | null;
      invoice_no: string | null;
      delivery_note_no: string | null;
      procurement_order_no: string | null;
      filing_ref: string | null;
      lines: number;
      pieces: number;
      amount: number;
      upload: UploadState;
    }[];
    const rows: PurchaseRow[] = raw.map((r) => ({
      receiptId: r.id,
      at: r.received_at,
      supplier: r.supplier ?? '',
      invoiceNo: r.invoice_no ?? '',
      deliveryNoteNo: r.delivery_note_no ?? '',
      procurementOrderNo: blank(r.procurement_order_no) ? null : r.procurement_order_no,
      filingRef: blank(r.filing_ref) ? null : r.filing_ref,
      lines: r.lines,
      pieces: r.pieces,
      amountFen: r.amount,
      upload: r.upload,
    }));
    const opening = this.openingStmt.get(range) as { receipts: number; pieces: number };
    return {
      receipts: rows.length,
      pieces: rows.reduce((n, r) => n + r.pieces, 0),
      amountFen: rows.reduce((n, r) => n + r.amountFen, 0),
      missingInvoice: rows.filter((r) => blank(r.invoiceNo)).length,
      missingDeliveryNote: rows.filter((r) => blank(r.deliveryNoteNo)).length,
      missingProcurement: rows.filter((r) => r.procurementOrderNo === null && r.filingRef === null).length,
      upload: countUploads(rows.map((r) => r.upload)),
      openingImports: opening,
      rows,
    };
  }
}
