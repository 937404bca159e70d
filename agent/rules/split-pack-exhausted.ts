// SPLIT_PACK_EXHAUSTED (DESIGN 2.2, 拆零): several sales may take pieces from one box code until the
// pieces sold (and held by other open sales) reach the box's piece count, never beyond; and a box
// that has been opened for split sale can no longer be sold whole.
// Only boxes still in stock: sold/returned/written-off boxes are TRACE_CODE_ALREADY_SOLD's case.
import { codeScan, scanRefusal } from './common.js';
import { msg, pieceUnit } from './messages.js';
import type { Refusal, ScanContext } from './types.js';

export function splitPackExhausted(ctx: ScanContext): Refusal[] {
  const { product, known } = ctx;
  if (!codeScan(ctx) || !product || !known || known.state !== 'in_stock') return [];
  const remaining = known.pieces - known.piecesSold - ctx.piecesHeldElsewhere;
  const unit = pieceUnit(product);
  if (ctx.pieces < product.piecesPerPack) {
    if (ctx.pieces <= remaining) return [];
    return [scanRefusal(ctx, 'SPLIT_PACK_EXHAUSTED', msg.splitPackShort(product.name, remaining, ctx.pieces, unit))];
  }
  if (known.piecesSold > 0 || ctx.piecesHeldElsewhere > 0) {
    return [scanRefusal(ctx, 'SPLIT_PACK_EXHAUSTED', msg.splitPackWholeBox(product.name, Math.max(0, remaining), unit))];
  }
  return [];
}
