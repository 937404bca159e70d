import { describe, expect, it } from 'vitest';
import { item, lot, otcProduct, settleCtx } from './fixtures.test-helpers.js';
import { noProcurementRecord } from './no-procurement-record.js';

describe('NO_PROCUREMENT_RECORD', () => {
  it('refuses an insured item from a lot without a procurement order or filing', () => {
    const ctx = settleCtx({ items: [item({ itemId: 1 }), item({ itemId: 2, lot: lot({ lot: 'OFF1', procured: false }) })] });
    expect(noProcurementRecord(ctx)).toEqual([
      { code: 'NO_PROCUREMENT_RECORD', message: expect.stringContaining('布洛芬缓释胶囊（批号 OFF1）没有网上采购或备案采购记录'), itemId: 2 },
    ]);
  });

  it('does not apply to self-pay, to out-of-catalogue products or to items without a lot', () => {
    const unprocured = lot({ procured: false });
    expect(noProcurementRecord(settleCtx({ payment: 'self_pay', items: [item({ lot: unprocured })] }))).toEqual([]);
    expect(noProcurementRecord(settleCtx({ items: [item({ lot: unprocured, product: otcProduct({ insured: false }) })] }))).toEqual([]);
    expect(noProcurementRecord(settleCtx({ items: [item({ lot: undefined })] }))).toEqual([]);
  });
});
