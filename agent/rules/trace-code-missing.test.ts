import { describe, expect, it } from 'vitest';
import { item, otcProduct, settleCtx } from './fixtures.test-helpers.js';
import { traceCodeMissing } from './trace-code-missing.js';

const herbal = otcProduct({ id: 'P0006', name: '当归（饮片）', category: 'herbal', traceExempt: true, maxDailyPieces: undefined });

describe('TRACE_CODE_MISSING', () => {
  it('refuses every item still waiting for its code, one refusal each', () => {
    const ctx = settleCtx({ items: [item({ itemId: 1, code: undefined }), item({ itemId: 2 }), item({ itemId: 3, code: undefined })] });
    expect(traceCodeMissing(ctx)).toEqual([
      { code: 'TRACE_CODE_MISSING', message: '追溯码缺失：请扫描该药品包装上的追溯码（布洛芬缓释胶囊）', itemId: 1 },
      { code: 'TRACE_CODE_MISSING', message: '追溯码缺失：请扫描该药品包装上的追溯码（布洛芬缓释胶囊）', itemId: 3 },
    ]);
  });

  it('exempts products flagged traceExempt', () => {
    expect(traceCodeMissing(settleCtx({ items: [item({ product: herbal, code: undefined })] }))).toEqual([]);
  });

  it('requires codes for self-pay only when the store requires them', () => {
    const items = [item({ code: undefined })];
    expect(traceCodeMissing(settleCtx({ payment: 'self_pay', requireTraceCodesForSelfPay: true, items }))).toHaveLength(1);
    expect(traceCodeMissing(settleCtx({ payment: 'self_pay', requireTraceCodesForSelfPay: false, items }))).toEqual([]);
    expect(traceCodeMissing(settleCtx({ payment: 'insurance', requireTraceCodesForSelfPay: false, items }))).toHaveLength(1);
  });
});
