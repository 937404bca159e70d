// TRACE_CODE_NOT_IN_STOCK: a code the store never received. A code not in the ledger is accepted only
// when the product has uncoded opening stock (无码库, `lot.coded` false) to draw it from.
// A code that identifies no catalogue product is TRACE_CODE_PRODUCT_MISMATCH's case, not this one.
import { codeScan, scanRefusal } from './common.js';
import { msg } from './messages.js';
import type { Refusal, ScanContext } from './types.js';

export function traceCodeNotInStock(ctx: ScanContext): Refusal[] {
  const { product, known, lot } = ctx;
  if (!codeScan(ctx) || known || !product) return [];
  const uncodedLotOfProduct = lot !== undefined && !lot.coded && lot.productId === product.id;
  if (uncodedLotOfProduct) return [];
  return [scanRefusal(ctx, 'TRACE_CODE_NOT_IN_STOCK', msg.notInStock(product.name))];
}
