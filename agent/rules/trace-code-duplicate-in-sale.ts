// TRACE_CODE_DUPLICATE_IN_SALE (DESIGN 2.2): one box code appears once in a basket.
import { codeScan, scannedName, scanRefusal } from './common.js';
import { msg } from './messages.js';
import type { Refusal, ScanContext } from './types.js';

export function traceCodeDuplicateInSale(ctx: ScanContext): Refusal[] {
  const scan = codeScan(ctx);
  if (!scan || !ctx.codesInThisSale.has(scan.key)) return [];
  return [scanRefusal(ctx, 'TRACE_CODE_DUPLICATE_IN_SALE', msg.duplicateInSale(scannedName(ctx)))];
}
