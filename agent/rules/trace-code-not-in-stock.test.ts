import { describe, expect, it } from 'vitest';
import { lot, scanCtx } from './fixtures.test-helpers.js';
import { traceCodeNotInStock } from './trace-code-not-in-stock.js';

describe('TRACE_CODE_NOT_IN_STOCK', () => {
  it('refuses a code the store never received when there is no stock to draw it from', () => {
    const r = traceCodeNotInStock(scanCtx({ known: undefined, lot: undefined }));
    expect(r).toEqual([{ code: 'TRACE_CODE_NOT_IN_STOCK', message: expect.stringContaining('没有入库记录（阿莫西林胶囊）') }]);
  });

  it('refuses an unknown code when the only lot is a coded one', () => {
    expect(traceCodeNotInStock(scanCtx({ known: undefined, lot: lot({ coded: true }) }))).toHaveLength(1);
  });

  it('accepts an unknown code drawn from uncoded opening stock of the same product', () => {
    expect(traceCodeNotInStock(scanCtx({ known: undefined, lot: lot({ coded: false }) }))).toEqual([]);
  });

  it('does not draw from an uncoded lot of another product', () => {
    expect(traceCodeNotInStock(scanCtx({ known: undefined, lot: lot({ coded: false, productId: 'P0004' }) }))).toHaveLength(1);
  });

  it('accepts a received code', () => {
    expect(traceCodeNotInStock(scanCtx())).toEqual([]);
  });

  it('leaves codes of no catalogue product to TRACE_CODE_PRODUCT_MISMATCH', () => {
    expect(traceCodeNotInStock(scanCtx({ product: undefined, known: undefined, lot: undefined }))).toEqual([]);
  });
});
