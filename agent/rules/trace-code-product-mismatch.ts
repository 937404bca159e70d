// TRACE_CODE_PRODUCT_MISMATCH (DESIGN 2.3, 串换药品): the product a code identifies must be the product
// being sold. At most one refusal per scan, the first of these that applies:
//   1. the code identifies no catalogue product and the ledger does not know it (a carton/case code?);
//   2. the ledger's product for this code differs from the product its prefix/GTIN names;
//   3. the cashier scanned a product barcode first and this code belongs to another product;
//   4. a GS1 code's own lot (10) or expiry (17) contradicts the lot it is drawn from.
import { codeScan, scannedName, scanRefusal } from './common.js';
import { msg } from './messages.js';
import type { Refusal, ScanContext } from './types.js';

export function traceCodeProductMismatch(ctx: ScanContext): Refusal[] {
  const scan = codeScan(ctx);
  if (!scan) return [];
  const { product, known, waitingItem, lot } = ctx;
  const refuse = (message: string): Refusal[] => [scanRefusal(ctx, 'TRACE_CODE_PRODUCT_MISMATCH', message)];

  if (!product && !known) return refuse(msg.codeNotInCatalogue());
  if (product && known && known.productId !== product.id) return refuse(msg.codeLedgerProductConflict(product.name));

  const codeProductId = known?.productId ?? product?.id;
  if (waitingItem && codeProductId !== waitingItem.productId) {
    const codeName = product && product.id === codeProductId ? product.name : undefined;
    return refuse(msg.codeNotForWaitingItem(codeName));
  }

  if (lot) {
    if (scan.gs1Lot !== undefined && scan.gs1Lot !== '' && scan.gs1Lot !== lot.lot) {
      return refuse(msg.codeLotConflict(scannedName(ctx), scan.gs1Lot, lot.lot));
    }
    if (scan.gs1Expiry !== undefined && scan.gs1Expiry !== '' && scan.gs1Expiry !== lot.expiry) {
      return refuse(msg.codeExpiryConflict(scannedName(ctx), scan.gs1Expiry, lot.expiry));
    }
  }
  return [];
}
