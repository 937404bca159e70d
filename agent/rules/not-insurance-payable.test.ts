import { describe, expect, it } from 'vitest';
import { item, product, settleCtx } from './fixtures.test-helpers.js';
import { notInsurancePayable } from './not-insurance-payable.js';

const goods = (category: 'health_food' | 'cosmetic' | 'daily', name: string, itemId: number) =>
  item({ itemId, product: product({ id: `G${itemId}`, name, category, insured: false, rx: false, nhsaCode: '', traceExempt: true }) });

describe('NOT_INSURANCE_PAYABLE', () => {
  it('refuses health food, cosmetics and daily goods in an insurance sale, telling to settle them self-pay', () => {
    const ctx = settleCtx({
      items: [item({ itemId: 1 }), goods('health_food', '维生素C咀嚼片', 2), goods('cosmetic', '润肤霜', 3), goods('daily', '纸巾', 4)],
    });
    const r = notInsurancePayable(ctx);
    expect(r.map((x) => [x.code, x.itemId])).toEqual([
      ['NOT_INSURANCE_PAYABLE', 2],
      ['NOT_INSURANCE_PAYABLE', 3],
      ['NOT_INSURANCE_PAYABLE', 4],
    ]);
    expect(r[0]?.message).toBe('维生素C咀嚼片属于保健食品，不能用医保支付：请移出本单，另行自费结算');
    expect(r[1]?.message).toContain('化妆品');
    expect(r[2]?.message).toContain('日用品');
  });

  it('allows them in a self-pay sale', () => {
    expect(notInsurancePayable(settleCtx({ payment: 'self_pay', items: [goods('health_food', '维生素C咀嚼片', 2)] }))).toEqual([]);
  });

  it('leaves drugs alone', () => {
    expect(notInsurancePayable(settleCtx())).toEqual([]);
  });
});
