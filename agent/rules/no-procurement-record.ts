// NO_PROCUREMENT_RECORD (DESIGN 2.4; seed 002: 既未在平台采购也未备案采购的药品耗材…无法进行医保结算,
// 不网采不结算): an insured item's lot must come from a receipt with a procurement order or filing.
import { msg } from './messages.js';
import type { Refusal, SettleContext } from './types.js';

export function noProcurementRecord(ctx: SettleContext): Refusal[] {
  if (ctx.payment !== 'insurance') return [];
  const out: Refusal[] = [];
  for (const item of ctx.items) {
    if (!item.product.insured || !item.lot || item.lot.procured) continue;
    out.push({ code: 'NO_PROCUREMENT_RECORD', message: msg.noProcurementRecord(item.product.name, item.lot.lot), itemId: item.itemId });
  }
  return out;
}
