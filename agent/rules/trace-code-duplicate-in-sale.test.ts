import { describe, expect, it } from 'vitest';
import { CODE_KEY, scanCtx } from './fixtures.test-helpers.js';
import { traceCodeDuplicateInSale } from './trace-code-duplicate-in-sale.js';

describe('TRACE_CODE_DUPLICATE_IN_SALE', () => {
  it('refuses a code already in this sale', () => {
    const r = traceCodeDuplicateInSale(scanCtx({ codesInThisSale: new Set(['81000040000000000011', CODE_KEY]) }));
    expect(r).toEqual([{ code: 'TRACE_CODE_DUPLICATE_IN_SALE', message: expect.stringContaining('阿莫西林胶囊') }]);
  });

  it('accepts a code not yet in this sale', () => {
    expect(traceCodeDuplicateInSale(scanCtx({ codesInThisSale: new Set(['81000040000000000011']) }))).toEqual([]);
  });

  it('stays silent for an invalid scan', () => {
    expect(traceCodeDuplicateInSale(scanCtx({ scan: { kind: 'invalid', message: 'x' }, codesInThisSale: new Set([CODE_KEY]) }))).toEqual([]);
  });
});
