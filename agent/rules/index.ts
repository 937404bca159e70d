// The counter rules (DESIGN 2, refusal codes 6.4). Every rule is a pure function of its context; the
// checks run all of them and report every refusal together. Adding a rule: write its file and list it here.
import { chronicListMismatch } from './chronic-list-mismatch.js';
import { consentRequired } from './consent-required.js';
import { identityRequired } from './identity-required.js';
import { insufficientStock } from './insufficient-stock.js';
import { lotExpiredAtScan, lotExpiredAtSettle } from './lot-expired.js';
import { noProcurementRecord } from './no-procurement-record.js';
import { notInsurancePayable } from './not-insurance-payable.js';
import { pharmacistRequired } from './pharmacist-required.js';
import { prescriptionIdentityMismatch } from './prescription-identity-mismatch.js';
import { prescriptionRequired } from './prescription-required.js';
import { quantityLimit } from './quantity-limit.js';
import { repeatPurchase } from './repeat-purchase.js';
import { splitPackExhausted } from './split-pack-exhausted.js';
import { traceCodeAlreadySold } from './trace-code-already-sold.js';
import { traceCodeDuplicateInSale } from './trace-code-duplicate-in-sale.js';
import { traceCodeInTransit } from './trace-code-in-transit.js';
import { traceCodeInvalid } from './trace-code-invalid.js';
import { traceCodeMissing } from './trace-code-missing.js';
import { traceCodeNotInStock } from './trace-code-not-in-stock.js';
import { traceCodeProductMismatch } from './trace-code-product-mismatch.js';
import { traceCodeSoldInChain } from './trace-code-sold-in-chain.js';
import type { Refusal, ScanContext, ScanRule, SettleContext, SettleRule } from './types.js';

export type * from './types.js';
export { REFUSAL_CODES } from './types.js';

/** Run when a trace code is scanned into an open sale; order is the order refusals are listed. */
export const scanRules: ScanRule[] = [
  traceCodeInvalid,
  traceCodeInTransit,
  traceCodeProductMismatch,
  traceCodeDuplicateInSale,
  traceCodeAlreadySold,
  traceCodeSoldInChain,
  traceCodeNotInStock,
  splitPackExhausted,
  lotExpiredAtScan,
  insufficientStock,
];

/** Run when the sale is settled. */
export const settleRules: SettleRule[] = [
  identityRequired,
  prescriptionRequired,
  prescriptionIdentityMismatch,
  pharmacistRequired,
  traceCodeMissing,
  notInsurancePayable,
  consentRequired,
  noProcurementRecord,
  lotExpiredAtSettle,
  chronicListMismatch,
  quantityLimit,
  repeatPurchase,
];

export function checkScan(ctx: ScanContext): Refusal[] {
  return scanRules.flatMap((rule) => rule(ctx));
}

export function checkSettle(ctx: SettleContext): Refusal[] {
  return settleRules.flatMap((rule) => rule(ctx));
}
