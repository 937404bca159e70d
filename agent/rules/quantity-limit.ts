// QUANTITY_LIMIT (DESIGN 2.7; seed 002: 普通门诊处方单次用药不超过1周，慢特病处方不超过12周):
// an insurance sale supplies at most 7 days of a drug, 84 days (12 weeks) under a chronic-disease entitlement.
import { msg, pieceUnit } from './messages.js';
import { insuredDrugSupplies, supplyDays } from './supply.js';
import type { Refusal, SettleContext } from './types.js';

export const ORDINARY_MAX_DAYS = 7;
export const CHRONIC_MAX_DAYS = 84;

export function quantityLimit(ctx: SettleContext): Refusal[] {
  if (ctx.payment !== 'insurance') return [];
  const chronic = ctx.chronicDisease !== undefined;
  const limit = chronic ? CHRONIC_MAX_DAYS : ORDINARY_MAX_DAYS;
  const out: Refusal[] = [];
  for (const drug of insuredDrugSupplies(ctx.items)) {
    const days = supplyDays(drug.pieces, drug.maxDailyPieces);
    if (days <= limit) continue;
    const message = msg.quantityLimit(drug.product.name, drug.pieces, days, limit, chronic, limit * drug.maxDailyPieces, pieceUnit(drug.product));
    out.push({ code: 'QUANTITY_LIMIT', message, itemId: drug.firstItemId });
  }
  return out;
}
