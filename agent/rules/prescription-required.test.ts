import { describe, expect, it } from 'vitest';
import { item, prescription, product, settleCtx } from './fixtures.test-helpers.js';
import { prescriptionRequired } from './prescription-required.js';

const rxItem = (itemId: number) => item({ itemId, product: product() });

describe('PRESCRIPTION_REQUIRED', () => {
  it('accepts prescription drugs with a complete signed prescription, and OTC drugs without one', () => {
    expect(prescriptionRequired(settleCtx({ items: [rxItem(1)], prescription: prescription() }))).toEqual([]);
    expect(prescriptionRequired(settleCtx({ items: [item()] }))).toEqual([]);
  });

  it('refuses once per sale, on the first prescription item, when there is no prescription', () => {
    const ctx = settleCtx({ items: [item({ itemId: 1 }), rxItem(2), rxItem(3)], payment: 'self_pay' });
    expect(prescriptionRequired(ctx)).toEqual([
      { code: 'PRESCRIPTION_REQUIRED', message: expect.stringContaining('阿莫西林胶囊是处方药，需要处方'), itemId: 2 },
    ]);
  });

  it('refuses an unsigned prescription', () => {
    const r = prescriptionRequired(settleCtx({ items: [rxItem(1)], prescription: prescription({ signed: false }) }));
    expect(r).toEqual([{ code: 'PRESCRIPTION_REQUIRED', message: expect.stringContaining('没有医师签章'), itemId: 1 }]);
  });

  it('refuses a prescription missing its institution, doctor or number, naming what is missing', () => {
    const r = prescriptionRequired(settleCtx({ items: [rxItem(1)], prescription: prescription({ institutionCode: '', doctorName: '  ' }) }));
    expect(r).toHaveLength(1);
    expect(r[0]?.message).toContain('缺少开方机构编码、医师姓名');
    expect(prescriptionRequired(settleCtx({ items: [rxItem(1)], prescription: prescription({ rxNo: '' }) }))[0]?.message).toContain('处方号');
  });
});
