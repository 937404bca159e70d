// LOT_EXPIRED (DESIGN 2.5): expired lots are never sold. Checked when the box is scanned and again at
// settlement, because a sale may stay open over midnight. A lot is good through its expiry date.

import { isBefore } from '../../common/dates.js';
import { codeScan, scannedName, scanRefusal } from './common.js';
import { msg } from './messages.js';
import type { Refusal, ScanContext, SettleContext } from './types.js';

export function lotExpiredAtScan(ctx: ScanContext): Refusal[] {
  const { lot } = ctx;
  if (!codeScan(ctx) || !lot || !isBefore(lot.expiry, ctx.today)) return [];
  return [scanRefusal(ctx, 'LOT_EXPIRED', msg.lotExpiredAtScan(scannedName(ctx), lot.lot, lot.expiry))];
}

export function lotExpiredAtSettle(ctx: SettleContext): Refusal[] {
  const out: Refusal[] = [];
  for (const item of ctx.items) {
    const { lot } = item;
    if (!lot || !isBefore(lot.expiry, ctx.today)) continue;
    out.push({ code: 'LOT_EXPIRED', message: msg.lotExpiredAtSettle(item.product.name, lot.lot, lot.expiry), itemId: item.itemId });
  }
  return out;
}
