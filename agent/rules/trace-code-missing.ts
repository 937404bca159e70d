// TRACE_CODE_MISSING (DESIGN 2.1, 不扫码不结算): every line needs the code of the box it came from,
// unless the product is exempt by flag (中药饮片, goods without codes). Self-pay sales follow the
// store's setting (from 2026-01-01 every drug sale carries its codes).
import { msg } from './messages.js';
import type { Refusal, SettleContext } from './types.js';

export function traceCodeMissing(ctx: SettleContext): Refusal[] {
  if (ctx.payment === 'self_pay' && !ctx.requireTraceCodesForSelfPay) return [];
  return ctx.items
    .filter((item) => item.code === undefined && item.product.traceExempt !== true)
    .map((item): Refusal => ({ code: 'TRACE_CODE_MISSING', message: msg.traceCodeMissing(item.product.name), itemId: item.itemId }));
}
