import { describe, expect, it } from 'vitest';
import { known, scanCtx } from './fixtures.test-helpers.js';
import { traceCodeAlreadySold } from './trace-code-already-sold.js';

describe('TRACE_CODE_ALREADY_SOLD', () => {
  it('refuses a fully sold box', () => {
    const r = traceCodeAlreadySold(scanCtx({ known: known({ state: 'sold', piecesSold: 24 }) }));
    expect(r).toEqual([{ code: 'TRACE_CODE_ALREADY_SOLD', message: expect.stringContaining('已售出') }]);
  });

  it('refuses boxes returned to the supplier or written off, saying which', () => {
    const returned = traceCodeAlreadySold(scanCtx({ known: known({ state: 'returned_to_supplier' }) }));
    expect(returned[0]?.message).toMatch(/已退货.*不得销售/);
    const writtenOff = traceCodeAlreadySold(scanCtx({ known: known({ state: 'written_off' }) }));
    expect(writtenOff[0]?.message).toMatch(/已报损.*不得销售/);
    expect([...returned, ...writtenOff].map((r) => r.code)).toEqual(['TRACE_CODE_ALREADY_SOLD', 'TRACE_CODE_ALREADY_SOLD']);
  });

  it('accepts an in-stock box, also one partly sold by split-pack', () => {
    expect(traceCodeAlreadySold(scanCtx())).toEqual([]);
    expect(traceCodeAlreadySold(scanCtx({ known: known({ piecesSold: 12 }), pieces: 6 }))).toEqual([]);
  });

  it('says nothing about a code the ledger does not know', () => {
    expect(traceCodeAlreadySold(scanCtx({ known: undefined }))).toEqual([]);
  });
});
