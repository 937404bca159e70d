// The store's own audit (DESIGN 2): what the platform's nightly audit will flag, seen first by the manager.
// Warnings, never refusals. The rules are pure functions over these facts (facts.ts reads them).

/** A settled (not refunded) insurance sale, as the platform's audit sees its settlement. */
export interface AuditSale {
  saleId: number;
  settledAt: string;
  /** Shanghai day of settledAt. */
  date: string;
  psnNo: string;
  personName: string;
  /** yyyy-MM-dd from 1101, when the platform gave it. */
  birthDate: string | null;
  /** What the platform settled (medfee_sumamt): the insured lines; out-of-catalogue lines paid in cash are not in it. */
  insuredFen: number;
  setlId: string | null;
}

/** One product's pieces over the period. */
export interface StockOutflow {
  productId: string;
  name: string;
  /** Pieces in settled sales, net of refunds: the pieces that were charged. */
  charged: number;
  /** Pieces that left stock without a sale: write-offs and stocktake shortfalls (negative adjustments). */
  writtenOff: number;
}

/** A record the ledger shows was changed, and how many times in the period. */
export interface ModifiedRecord {
  kind: 'lot' | 'sale' | 'product';
  /** lot: batch id; sale: sale id; product: product id. */
  subject: string;
  label: string;
  changes: number;
  saleIds: number[];
  productId?: string;
}

export interface AuditFacts {
  sales: AuditSale[];
  outflows: StockOutflow[];
  modified: ModifiedRecord[];
}

export type AuditRule = 'MULTI_PERSON_BURST' | 'PERSON_FREQUENT' | 'YOUNG_FREQUENT' | 'LARGE_AMOUNT' | 'STOCK_GAP' | 'RECORD_MODIFIED';

export interface AuditWarning {
  rule: AuditRule;
  title: string;
  detail: string;
  /** Stable per rule: the same finding on the next call has the same subject. */
  subject: string;
  saleIds: number[];
  /** Shanghai day the finding belongs to (settlement rules only). */
  date?: string;
  psnNo?: string;
  amountFen?: number;
  productId?: string;
}
