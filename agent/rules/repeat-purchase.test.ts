import { describe, expect, it } from 'vitest';
import { item, otcProduct, prior, settleCtx } from './fixtures.test-helpers.js';
import { repeatPurchase } from './repeat-purchase.js';

// otcProduct (布洛芬缓释胶囊) has national code XN02BAB048E001010101835, like prior()'s default.
describe('REPEAT_PURCHASE', () => {
  it('refuses an ordinary repeat inside the covered period, saying until when it covers', () => {
    const ctx = settleCtx({ today: '2026-11-07', items: [item({ itemId: 5 })], priorPurchases: [prior({ date: '2026-11-01', days: 7 })] });
    expect(repeatPurchase(ctx)).toEqual([{ code: 'REPEAT_PURCHASE', message: expect.stringContaining('上次购药 2026-11-01，可用至 2026-11-08'), itemId: 5 }]);
  });

  it('allows the ordinary repeat once the covered period has run out, with no week early', () => {
    const base = { items: [item()], priorPurchases: [prior({ date: '2026-11-01', days: 7 })] };
    expect(repeatPurchase(settleCtx({ ...base, today: '2026-11-08' }))).toEqual([]);
    // a 7-day allowance on a 7-day sale would allow buying again the next day
    expect(repeatPurchase(settleCtx({ ...base, today: '2026-11-02' }))).toHaveLength(1);
  });

  it('allows a chronic (long-prescription) purchase to be renewed up to 7 days early', () => {
    const base = { items: [item()], priorPurchases: [prior({ date: '2026-11-01', days: 28, chronic: true })] };
    expect(repeatPurchase(settleCtx({ ...base, today: '2026-11-22' }))).toEqual([]);
    const r = repeatPurchase(settleCtx({ ...base, today: '2026-11-21' }));
    expect(r).toHaveLength(1);
    expect(r[0]?.message).toContain('可用至 2026-11-29');
    expect(r[0]?.message).toContain('2026-11-22 起可再用医保购买');
  });

  it('uses the latest earlier purchase of each drug', () => {
    const priorPurchases = [prior({ date: '2026-11-10', days: 7 }), prior({ date: '2026-10-01', days: 84, chronic: true })];
    const r = repeatPurchase(settleCtx({ today: '2026-11-15', items: [item()], priorPurchases }));
    expect(r).toHaveLength(1);
    expect(r[0]?.message).toContain('可用至 2026-11-17');
    expect(repeatPurchase(settleCtx({ today: '2026-11-17', items: [item()], priorPurchases }))).toEqual([]);
  });

  it('ignores other drugs, self-pay sales and drugs without a maximum daily dose', () => {
    const priorPurchases = [prior({ date: '2026-11-14', days: 7 })];
    expect(repeatPurchase(settleCtx({ today: '2026-11-15', items: [item()], priorPurchases: [prior({ nhsaCode: 'OTHER', date: '2026-11-14' })] }))).toEqual([]);
    expect(repeatPurchase(settleCtx({ today: '2026-11-15', payment: 'self_pay', items: [item()], priorPurchases }))).toEqual([]);
    const noDose = item({ product: otcProduct({ maxDailyPieces: undefined }) });
    expect(repeatPurchase(settleCtx({ today: '2026-11-15', items: [noDose], priorPurchases }))).toEqual([]);
  });
});
