// CONSENT_REQUIRED (DESIGN 2.6; seed 000: 确需使用医保目录外项目…必须事先向参保人员充分告知…并取得其书面同意):
// an out-of-catalogue drug, herbal item or device in an insurance sale is paid by the person, and only
// with recorded informed consent (告知同意).
import { MEDICAL_CATEGORIES } from './common.js';
import { msg } from './messages.js';
import type { Refusal, SettleContext } from './types.js';

export function consentRequired(ctx: SettleContext): Refusal[] {
  if (ctx.payment !== 'insurance') return [];
  return ctx.items
    .filter(({ product }) => !product.insured && MEDICAL_CATEGORIES.has(product.category) && !ctx.consentedProductIds.has(product.id))
    .map((item): Refusal => ({ code: 'CONSENT_REQUIRED', message: msg.consentRequired(item.product.name), itemId: item.itemId }));
}
