// INSUFFICIENT_STOCK (DESIGN 2.11): stock never goes negative; pieces held by open sales (this one
// included) are not available again.
import { codeScan, scannedName, scanRefusal } from './common.js';
import { msg, pieceUnit } from './messages.js';
import type { Refusal, ScanContext } from './types.js';

export function insufficientStock(ctx: ScanContext): Refusal[] {
  const { lot } = ctx;
  if (!codeScan(ctx) || !lot) return [];
  // A box no longer in stock (sold, returned, written off) is TRACE_CODE_ALREADY_SOLD's case alone: its
  // lot being empty is the consequence, and a second refusal for it only confuses the cashier.
  if (ctx.known && ctx.known.state !== 'in_stock') return [];
  const available = lot.piecesOnHand - ctx.lotPiecesHeld;
  if (available >= ctx.pieces) return [];
  const message = msg.insufficientStock(scannedName(ctx), lot.lot, available, ctx.pieces, pieceUnit(ctx.product));
  return [scanRefusal(ctx, 'INSUFFICIENT_STOCK', message)];
}
