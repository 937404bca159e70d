import { describe, expect, it } from 'vitest';
import { CODE_KEY, known, lot, otcProduct, scanCtx } from './fixtures.test-helpers.js';
import { traceCodeProductMismatch } from './trace-code-product-mismatch.js';

const gs1 = (gs1Lot?: string, gs1Expiry?: string) => ({ kind: 'code' as const, key: CODE_KEY, raw: CODE_KEY, gs1Lot, gs1Expiry });

describe('TRACE_CODE_PRODUCT_MISMATCH', () => {
  it('accepts a code whose prefix, ledger record and waiting item agree', () => {
    expect(traceCodeProductMismatch(scanCtx({ waitingItem: { itemId: 3, productId: 'P0003' } }))).toEqual([]);
  });

  it('refuses a code that identifies no catalogue product and is not in the ledger (a carton code?)', () => {
    const r = traceCodeProductMismatch(scanCtx({ product: undefined, known: undefined, lot: undefined }));
    expect(r).toEqual([{ code: 'TRACE_CODE_PRODUCT_MISMATCH', message: expect.stringContaining('追溯码不属于任何在售药品：请核对是否扫了中包装/箱码') }]);
  });

  it('accepts a ledger-known code even when no catalogue product matches its prefix', () => {
    expect(traceCodeProductMismatch(scanCtx({ product: undefined }))).toEqual([]);
  });

  it('refuses a code for another product than the item waiting for it', () => {
    const r = traceCodeProductMismatch(scanCtx({ waitingItem: { itemId: 9, productId: 'P0004' } }));
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ code: 'TRACE_CODE_PRODUCT_MISMATCH', itemId: 9 });
    expect(r[0]?.message).toContain('阿莫西林胶囊');
  });

  it('compares the waiting item with the ledger product first, the prefix product second', () => {
    // Not in the ledger (uncoded stock): the catalogue product decides.
    const unknownCode = scanCtx({ known: undefined, lot: lot({ coded: false }), waitingItem: { itemId: 2, productId: 'P0004' } });
    expect(traceCodeProductMismatch(unknownCode)).toHaveLength(1);
    const sameProduct = scanCtx({ known: undefined, lot: lot({ coded: false }), waitingItem: { itemId: 2, productId: 'P0003' } });
    expect(traceCodeProductMismatch(sameProduct)).toEqual([]);
    // In the ledger with no catalogue match: the ledger's product decides.
    const ledgerOnly = scanCtx({ product: undefined, known: known({ productId: 'P0004' }), waitingItem: { itemId: 2, productId: 'P0003' } });
    expect(traceCodeProductMismatch(ledgerOnly)).toEqual([{ code: 'TRACE_CODE_PRODUCT_MISMATCH', message: expect.stringContaining('其他药品'), itemId: 2 }]);
  });

  it('refuses when the prefix names one drug and the ledger another', () => {
    const r = traceCodeProductMismatch(scanCtx({ product: otcProduct(), known: known({ productId: 'P0003' }) }));
    expect(r).toEqual([{ code: 'TRACE_CODE_PRODUCT_MISMATCH', message: expect.stringContaining('入库登记为另一药品') }]);
    expect(r[0]?.message).toContain('布洛芬缓释胶囊');
  });

  it('refuses a GS1 code whose lot or expiry contradicts the stock lot', () => {
    const badLot = traceCodeProductMismatch(scanCtx({ scan: gs1('B9999', '2028-01-31') }));
    expect(badLot).toHaveLength(1);
    expect(badLot[0]?.message).toContain('码上 B9999，库存 A2401');
    const badExpiry = traceCodeProductMismatch(scanCtx({ scan: gs1('A2401', '2027-06-30') }));
    expect(badExpiry).toHaveLength(1);
    expect(badExpiry[0]?.message).toContain('有效期');
    expect(traceCodeProductMismatch(scanCtx({ scan: gs1('A2401', '2028-01-31') }))).toEqual([]);
    expect(traceCodeProductMismatch(scanCtx({ scan: gs1(undefined, undefined) }))).toEqual([]);
  });

  it('reports one mismatch per scan even when several apply', () => {
    const r = traceCodeProductMismatch(scanCtx({ scan: gs1('B9999'), waitingItem: { itemId: 1, productId: 'P0004' } }));
    expect(r).toHaveLength(1);
  });

  it('stays silent for an invalid scan', () => {
    expect(traceCodeProductMismatch(scanCtx({ scan: { kind: 'invalid', message: 'x' }, product: undefined, known: undefined }))).toEqual([]);
  });
});
