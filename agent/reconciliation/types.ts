// GET /api/reconciliation: purchases, sales and stock of a period, with the checks a manager signs off
// (票账相符, 账实相符). Money integer fen, quantities integer pieces, times ISO UTC.
import type { UploadCounts, UploadState } from '../reports/upload-state.js';

export interface PurchaseRow {
  receiptId: number;
  at: string;
  supplier: string;
  invoiceNo: string;
  deliveryNoteNo: string;
  procurementOrderNo: string | null;
  /** 备案采购 reference, the other way a receipt proves where insured goods came from. */
  filingRef: string | null;
  lines: number;
  pieces: number;
  amountFen: number;
  upload: UploadState;
}

export interface Purchases {
  receipts: number;
  pieces: number;
  amountFen: number;
  missingInvoice: number;
  missingDeliveryNote: number;
  /** Receipts with neither a procurement-platform order number nor a filing: their goods cannot be sold with insurance. */
  missingProcurement: number;
  upload: UploadCounts;
  /** Opening stock (无码库) counted in during the period: stock received without a purchase receipt. */
  openingImports: { receipts: number; pieces: number };
  rows: PurchaseRow[];
}

export interface SaleRow {
  saleId: number;
  settledAt: string;
  payment: 'insurance' | 'self_pay';
  status: 'settled' | 'reversed';
  pieces: number;
  totalFen: number;
  fundFen: number;
  accountFen: number;
  cashFen: number;
  settlementId: string | null;
  upload: UploadState;
}

export interface Sales {
  /** Sales settled in the period (rows), including those refunded since. */
  settled: number;
  pieces: number;
  totalFen: number;
  fundFen: number;
  accountFen: number;
  cashFen: number;
  insurance: { count: number; totalFen: number };
  selfPay: { count: number; totalFen: number };
  /** Rows refunded since (status reversed). */
  reversed: { count: number; totalFen: number };
  /** Refunds recorded during the period (whenever the sale was settled): their pieces are the stock's `returned`. */
  returns: { count: number; pieces: number; totalFen: number };
  /** Sales waiting for the platform's answer to 2102 right now (recovery reverses them). */
  settling: number;
  upload: UploadCounts;
  rows: SaleRow[];
}

export interface StockFigures {
  opening: number;
  received: number;
  sold: number;
  returned: number;
  /** Net adjustments: surplus − write-offs. */
  adjusted: number;
  closing: number;
  book: number;
}

export interface StockRow extends StockFigures {
  productId: string;
  name: string;
  /** No physical count is recorded apart from adjustments, so these stay null (see the stock_book check). */
  counted: number | null;
  difference: number | null;
}

export type CheckKey = 'purchases_invoices' | 'sales_settlements' | 'uploads' | 'stock_book';

export interface Check {
  key: CheckKey;
  ok: boolean;
  title: string;
  message: string;
}

export interface Reconciliation {
  from: string;
  to: string;
  purchases: Purchases;
  sales: Sales;
  stock: { rows: StockRow[]; totals: StockFigures };
  /** Outbox records of the period's events still waiting or refused, all kinds (also returns and adjustments). */
  uploads: { pending: number; failed: number };
  checks: Check[];
}
