// NOT_INSURANCE_PAYABLE (DESIGN 2.6; seed 000: 严禁利用医保凭证…购买营养保健品、化妆品、生活用品):
// such goods may be sold self-pay on their own receipt, never in an insurance settlement.
import { NON_INSURANCE_CATEGORIES } from './common.js';
import { msg } from './messages.js';
import type { Refusal, SettleContext } from './types.js';

export function notInsurancePayable(ctx: SettleContext): Refusal[] {
  if (ctx.payment !== 'insurance') return [];
  return ctx.items
    .filter((item) => NON_INSURANCE_CATEGORIES.has(item.product.category))
    .map(
      (item): Refusal => ({
        code: 'NOT_INSURANCE_PAYABLE',
        message: msg.notInsurancePayable(item.product.name, item.product.category),
        itemId: item.itemId,
      }),
    );
}
