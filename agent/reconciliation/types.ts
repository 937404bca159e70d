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
  /** Settled sales whose refund (2103) the platform has not confirmed yet (退费处理中), by id; recovery resends it. */
  reversing: number[];
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
  /** Net transfers between the chain's stores (调拨): pieces received from others − pieces shipped to them. */
  transferred: number;
  closing: number;
  book: number;
}

/** One lot's latest stocktake in the period (reconciliation/counted.ts). */
export interface LotCount {
  stocktakeId: number;
  at: string;
  lotId: number;
  lot: string;
  productId: string;
  /** The lot's book stock when the count was recorded. */
  book: number;
  counted: number;
  /** Net stock adjustments of the lot posted after that count (before its next count, if any). */
  adjustedSince: number;
}

export interface StockRow extends StockFigures {
  productId: string;
  name: string;
  /** The two sides of `transferred` (调入, 调出). */
  transferredIn: number;
  transferredOut: number;
  /** Sum over the product's lots counted in the period of each lot's latest count; null when none was counted. */
  counted: number | null;
  /** counted − the book of those lots at their counts; null when none was counted. */
  difference: number | null;
  /** The lots behind `counted`, earliest expiry first (empty when none was counted). */
  counts: LotCount[];
}

export type CheckKey = 'purchases_invoices' | 'sales_settlements' | 'uploads' | 'stock_book';

export interface Check {
  key: CheckKey;
  ok: boolean;
  title: string;
  message: string;
  /** uploads only: judged by the local outbox (仅本机队列) or by a platform read-back of the day (平台已核实). */
  basis?: 'queue' | 'platform';
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
