// SPLIT_PACK_EXHAUSTED (DESIGN 2.2, 拆零): several sales may take pieces from one box code until the
// pieces sold (and held by other open sales) reach the box's piece count, never beyond; and a box
// that has been opened for split sale can no longer be sold whole.
// Only boxes still in stock: sold/returned/written-off boxes are TRACE_CODE_ALREADY_SOLD's case.
// One code is one box: more pieces than the box holds are refused too, for a box received with its code
// and for a new code drawn from uncoded opening stock alike.
import { codeScan, scanRefusal } from './common.js';
import { msg, pieceUnit } from './messages.js';
import type { Refusal, ScanContext } from './types.js';

export function splitPackExhausted(ctx: ScanContext): Refusal[] {
  const { product, known } = ctx;
  if (!codeScan(ctx) || !product) return [];
  const unit = pieceUnit(product);
  // Found over HTTP: 30 pieces on a 24-piece box code were accepted at scan and failed only at settlement
  // (as "sold by another counter"); a new code claimed from uncoded stock has no such guard in the ledger.
  const boxPieces = known?.pieces ?? product.piecesPerPack;
  const inStock = known ? known.state === 'in_stock' : ctx.lot !== undefined;
  if (inStock && ctx.pieces > boxPieces) return [scanRefusal(ctx, 'SPLIT_PACK_EXHAUSTED', msg.morePiecesThanBox(product.name, boxPieces, ctx.pieces, unit))];
  if (!known || known.state !== 'in_stock') return [];
  const remaining = known.pieces - known.piecesSold - ctx.piecesHeldElsewhere;
  if (ctx.pieces < product.piecesPerPack) {
    if (ctx.pieces <= remaining) return [];
    return [scanRefusal(ctx, 'SPLIT_PACK_EXHAUSTED', msg.splitPackShort(product.name, remaining, ctx.pieces, unit))];
  }
  if (known.piecesSold > 0 || ctx.piecesHeldElsewhere > 0) {
    // An unopened box held whole by another open sale was never split: say where it is, not "split-sold".
    if (known.piecesSold === 0 && remaining <= 0) return [scanRefusal(ctx, 'SPLIT_PACK_EXHAUSTED', msg.boxHeldByOtherSale(product.name, ctx.heldBy))];
    return [scanRefusal(ctx, 'SPLIT_PACK_EXHAUSTED', msg.splitPackWholeBox(product.name, Math.max(0, remaining), unit))];
  }
  return [];
}
