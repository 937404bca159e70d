import { describe, expect, it } from 'vitest';
import { scanCtx } from './fixtures.test-helpers.js';
import { chainSaleTime, traceCodeSoldInChain } from './trace-code-sold-in-chain.js';

describe('TRACE_CODE_SOLD_IN_CHAIN', () => {
  it('refuses a box sold at another store of the chain, naming the store and the Shanghai time', () => {
    const r = traceCodeSoldInChain(scanCtx({ chain: { soldElsewhere: [{ store: 'H13010300002', storeName: '二号店', at: '2026-12-06T07:02:31.000Z' }] } }));
    expect(r).toEqual([
      { code: 'TRACE_CODE_SOLD_IN_CHAIN', message: '该盒已于 12月06日 15:02 在 二号店 售出，不能再次销售（阿莫西林胶囊）：请把该盒交店长核查' },
    ]);
  });

  it('names the store by its code when HQ has no name for it', () => {
    const r = traceCodeSoldInChain(scanCtx({ chain: { soldElsewhere: [{ store: 'H13010300002', storeName: null, at: '2026-12-06T16:30:00.000Z' }] } }));
    expect(r[0]?.message).toContain('该盒已于 12月07日 00:30 在 H13010300002 售出');
  });

  it('says nothing without an answer from HQ, or when no other store has the box out', () => {
    expect(traceCodeSoldInChain(scanCtx())).toEqual([]);
    expect(traceCodeSoldInChain(scanCtx({ chain: { soldElsewhere: [] } }))).toEqual([]);
  });

  it('says nothing for an invalid scan', () => {
    const ctx = scanCtx({ scan: { kind: 'invalid', message: 'x' }, chain: { soldElsewhere: [{ store: 'S', storeName: 'S', at: '2026-12-06T07:02:00Z' }] } });
    expect(traceCodeSoldInChain(ctx)).toEqual([]);
  });

  it('formats times as the counter shows them', () => {
    expect(chainSaleTime('2026-01-31T16:05:00.000Z')).toBe('02月01日 00:05');
  });
});
