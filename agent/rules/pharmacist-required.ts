// PHARMACIST_REQUIRED (issue 13; 药品经营质量管理规范: 处方药须经执业药师审核后销售): a sale with a prescription
// drug needs a licensed pharmacist on duty, whose name and 执业药师注册证号 the 3505 record carries. Reported once
// per sale, on the first prescription item; self-pay or insurance alike.
import type { Refusal, SettleContext } from './types.js';

export const PHARMACIST_REQUIRED_MESSAGE = '处方药须执业药师审核：请执业药师在收银台签到，或由店长设置当班药师，然后再结算';

export function pharmacistRequired(ctx: SettleContext): Refusal[] {
  const first = ctx.items.find((item) => item.product.rx);
  if (!first || (ctx.pharmacist && ctx.pharmacist.name.trim() !== '' && ctx.pharmacist.certNo.trim() !== '')) return [];
  return [{ code: 'PHARMACIST_REQUIRED', message: PHARMACIST_REQUIRED_MESSAGE, itemId: first.itemId }];
}
