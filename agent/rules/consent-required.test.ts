import { describe, expect, it } from 'vitest';
import { consentRequired } from './consent-required.js';
import { item, product, settleCtx } from './fixtures.test-helpers.js';

const outOfCatalogue = (category: 'drug' | 'device' | 'herbal', id: string, itemId: number) =>
  item({ itemId, product: product({ id, name: `目录外${id}`, category, insured: false }) });

describe('CONSENT_REQUIRED', () => {
  it('refuses out-of-catalogue drugs, devices and herbal items without recorded consent', () => {
    const ctx = settleCtx({
      items: [item({ itemId: 1 }), outOfCatalogue('drug', 'X1', 2), outOfCatalogue('device', 'X2', 3), outOfCatalogue('herbal', 'X3', 4)],
    });
    const r = consentRequired(ctx);
    expect(r.map((x) => x.itemId)).toEqual([2, 3, 4]);
    expect(r.every((x) => x.code === 'CONSENT_REQUIRED')).toBe(true);
    expect(r[0]?.message).toMatch(/^目录外X1是医保目录外项目.*告知同意/);
  });

  it('accepts items the person consented to pay', () => {
    const ctx = settleCtx({ items: [outOfCatalogue('drug', 'X1', 2), outOfCatalogue('drug', 'X2', 3)], consentedProductIds: new Set(['X1']) });
    expect(consentRequired(ctx).map((x) => x.itemId)).toEqual([3]);
  });

  it('leaves health food to NOT_INSURANCE_PAYABLE and self-pay sales alone', () => {
    const food = item({ product: product({ id: 'F', category: 'health_food', insured: false }) });
    expect(consentRequired(settleCtx({ items: [food] }))).toEqual([]);
    expect(consentRequired(settleCtx({ payment: 'self_pay', items: [outOfCatalogue('drug', 'X1', 2)] }))).toEqual([]);
  });
});
