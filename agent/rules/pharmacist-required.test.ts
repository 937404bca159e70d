import { describe, expect, it } from 'vitest';
import { item, product, settleCtx } from './fixtures.test-helpers.js';
import { PHARMACIST_REQUIRED_MESSAGE, pharmacistRequired } from './pharmacist-required.js';

describe('PHARMACIST_REQUIRED', () => {
  it('refuses a prescription-drug sale without a pharmacist on duty, once, on the first prescription item', () => {
    const ctx = settleCtx({
      items: [
        item({ itemId: 1, product: product({ rx: false }) }),
        item({ itemId: 2, product: product({ rx: true }) }),
        item({ itemId: 3, product: product({ rx: true }) }),
      ],
      pharmacist: undefined,
    });
    expect(pharmacistRequired(ctx)).toEqual([{ code: 'PHARMACIST_REQUIRED', message: PHARMACIST_REQUIRED_MESSAGE, itemId: 2 }]);
    expect(PHARMACIST_REQUIRED_MESSAGE).toBe('处方药须执业药师审核：请执业药师在收银台签到，或由店长设置当班药师，然后再结算');
  });

  it('refuses self-pay too, and a pharmacist without a certificate number', () => {
    const rx = [item({ product: product({ rx: true }) })];
    expect(pharmacistRequired(settleCtx({ payment: 'self_pay', person: undefined, items: rx, pharmacist: undefined }))).toHaveLength(1);
    expect(pharmacistRequired(settleCtx({ items: rx, pharmacist: { name: '李药师', certNo: ' ' } }))).toHaveLength(1);
  });

  it('accepts a pharmacist on duty, and an over-the-counter sale without one', () => {
    expect(pharmacistRequired(settleCtx({ items: [item({ product: product({ rx: true }) })] }))).toEqual([]);
    expect(pharmacistRequired(settleCtx({ items: [item({ product: product({ rx: false }) })], pharmacist: undefined }))).toEqual([]);
  });
});
