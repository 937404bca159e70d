import { describe, expect, it } from 'vitest';
import { item, otcProduct, product, settleCtx } from './fixtures.test-helpers.js';
import { quantityLimit } from './quantity-limit.js';

// otcProduct: 布洛芬缓释胶囊, at most 2 pieces a day.
describe('QUANTITY_LIMIT', () => {
  it('allows up to 7 days for an ordinary sale', () => {
    expect(quantityLimit(settleCtx({ items: [item({ pieces: 14 })] }))).toEqual([]);
  });

  it('refuses more than 7 days, giving the days, the limit and the most that may be sold', () => {
    const r = quantityLimit(settleCtx({ items: [item({ itemId: 4, pieces: 15 })] }));
    expect(r).toEqual([{ code: 'QUANTITY_LIMIT', message: expect.stringContaining('可用 8 天，超过普通门诊上限 7 天'), itemId: 4 }]);
    expect(r[0]?.message).toContain('请减至 14粒 以内');
  });

  it('sums the items of the same drug (national code) and reports on the first', () => {
    const ctx = settleCtx({ items: [item({ itemId: 1, pieces: 10 }), item({ itemId: 2, pieces: 10 })] });
    expect(quantityLimit(ctx)).toEqual([{ code: 'QUANTITY_LIMIT', message: expect.stringContaining('本单 20粒 可用 10 天'), itemId: 1 }]);
  });

  it('allows up to 84 days under a chronic-disease entitlement', () => {
    expect(quantityLimit(settleCtx({ chronicDisease: 'M03900', items: [item({ pieces: 168 })] }))).toEqual([]);
    const r = quantityLimit(settleCtx({ chronicDisease: 'M03900', items: [item({ pieces: 169 })] }));
    expect(r).toHaveLength(1);
    expect(r[0]?.message).toContain('可用 85 天，超过慢特病处方上限 84 天');
  });

  it('ignores drugs without a maximum daily dose, out-of-catalogue drugs and self-pay sales', () => {
    expect(quantityLimit(settleCtx({ items: [item({ pieces: 500, product: otcProduct({ maxDailyPieces: undefined }) })] }))).toEqual([]);
    expect(quantityLimit(settleCtx({ items: [item({ pieces: 500, product: otcProduct({ insured: false }) })] }))).toEqual([]);
    expect(quantityLimit(settleCtx({ payment: 'self_pay', items: [item({ pieces: 500 })] }))).toEqual([]);
  });

  it('keeps different drugs apart', () => {
    const ctx = settleCtx({ items: [item({ itemId: 1, pieces: 14 }), item({ itemId: 2, pieces: 56, product: product() })] });
    expect(quantityLimit(ctx)).toEqual([]);
  });
});
