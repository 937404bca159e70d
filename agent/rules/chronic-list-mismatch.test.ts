import { describe, expect, it } from 'vitest';
import { chronicListMismatch } from './chronic-list-mismatch.js';
import { item, otcProduct, person, product, settleCtx } from './fixtures.test-helpers.js';

// person(): 高血压 (M03900) with 苯磺酸氨氯地平片 and 布洛芬缓释胶囊 on its list.
describe('CHRONIC_LIST_MISMATCH', () => {
  it('accepts drugs on the disease list', () => {
    expect(chronicListMismatch(settleCtx({ chronicDisease: 'M03900', items: [item()] }))).toEqual([]);
  });

  it('refuses each insured drug that is not on the list (一病一清单)', () => {
    const ctx = settleCtx({ chronicDisease: 'M03900', items: [item({ itemId: 1 }), item({ itemId: 2, product: product() })] });
    expect(chronicListMismatch(ctx)).toEqual([
      { code: 'CHRONIC_LIST_MISMATCH', message: expect.stringContaining('阿莫西林胶囊不在“高血压”的用药清单内'), itemId: 2 },
    ]);
  });

  it('leaves out-of-catalogue items to CONSENT_REQUIRED', () => {
    const ctx = settleCtx({ chronicDisease: 'M03900', items: [item({ product: otcProduct({ insured: false, nhsaCode: 'X' }) })] });
    expect(chronicListMismatch(ctx)).toEqual([]);
  });

  it('refuses a disease the person is not registered for, naming it', () => {
    const r = chronicListMismatch(settleCtx({ chronicDisease: 'M01600', items: [item()] }));
    expect(r).toEqual([{ code: 'CHRONIC_LIST_MISMATCH', message: expect.stringContaining('M01600') }]);
    const none = chronicListMismatch(settleCtx({ chronicDisease: 'M03900', person: person({ chronicDiseases: [] }) }));
    expect(none).toHaveLength(1);
  });

  it('does nothing without a chronic-disease settlement or without a person', () => {
    expect(chronicListMismatch(settleCtx({ items: [item({ product: product() })] }))).toEqual([]);
    expect(chronicListMismatch(settleCtx({ chronicDisease: 'M03900', person: undefined }))).toEqual([]);
  });
});
