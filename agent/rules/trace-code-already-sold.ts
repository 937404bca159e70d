// TRACE_CODE_ALREADY_SOLD (DESIGN 2.2): a code is sold once. 'sold' is a fully sold box (a split box
// with pieces left stays 'in_stock'); boxes returned to the supplier or written off are never sold.
import { codeScan, scannedName, scanRefusal } from './common.js';
import { msg } from './messages.js';
import type { Refusal, ScanContext } from './types.js';

const MESSAGE_BY_STATE: Readonly<Record<string, (name: string) => string>> = {
  sold: msg.alreadySold,
  returned_to_supplier: msg.returnedToSupplier,
  written_off: msg.writtenOff,
};

export function traceCodeAlreadySold(ctx: ScanContext): Refusal[] {
  if (!codeScan(ctx) || !ctx.known) return [];
  const message = MESSAGE_BY_STATE[ctx.known.state];
  if (!message) return [];
  return [scanRefusal(ctx, 'TRACE_CODE_ALREADY_SOLD', message(scannedName(ctx)))];
}
