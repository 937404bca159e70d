import { describe, expect, it } from 'vitest';
import { known, lot, scanCtx } from './fixtures.test-helpers.js';
import { splitPackExhausted } from './split-pack-exhausted.js';

describe('SPLIT_PACK_EXHAUSTED', () => {
  it('allows split sales up to the pieces left in the box', () => {
    expect(splitPackExhausted(scanCtx({ pieces: 6 }))).toEqual([]);
    expect(splitPackExhausted(scanCtx({ pieces: 6, known: known({ piecesSold: 12 }), piecesHeldElsewhere: 6 }))).toEqual([]);
  });

  it('refuses a split sale beyond what is left, saying how many remain', () => {
    const r = splitPackExhausted(scanCtx({ pieces: 8, known: known({ piecesSold: 12 }), piecesHeldElsewhere: 6 }));
    expect(r).toEqual([{ code: 'SPLIT_PACK_EXHAUSTED', message: expect.stringContaining('只剩 6粒，本次要 8粒') }]);
  });

  it('counts pieces held by other open sales', () => {
    const r = splitPackExhausted(scanCtx({ pieces: 4, known: known({ piecesSold: 0 }), piecesHeldElsewhere: 22 }));
    expect(r).toHaveLength(1);
    expect(r[0]?.message).toContain('只剩 2粒');
  });

  it('refuses a split sale from a box with nothing left', () => {
    const r = splitPackExhausted(scanCtx({ pieces: 1, known: known({ piecesSold: 20 }), piecesHeldElsewhere: 4 }));
    expect(r).toEqual([{ code: 'SPLIT_PACK_EXHAUSTED', message: expect.stringContaining('已拆零售完') }]);
  });

  it('refuses a whole-box sale of a box already opened for split-pack', () => {
    const sold = splitPackExhausted(scanCtx({ pieces: 24, known: known({ piecesSold: 4 }) }));
    expect(sold).toEqual([{ code: 'SPLIT_PACK_EXHAUSTED', message: expect.stringContaining('只能继续拆零') }]);
    expect(sold[0]?.message).toContain('剩 20粒');
    const held = splitPackExhausted(scanCtx({ pieces: 24, piecesHeldElsewhere: 2 }));
    expect(held).toHaveLength(1);
  });

  it('says an unopened box is held whole by another open sale, rather than split-sold', () => {
    const r = splitPackExhausted(scanCtx({ pieces: 24, piecesHeldElsewhere: 24 }));
    expect(r).toEqual([{ code: 'SPLIT_PACK_EXHAUSTED', message: expect.stringContaining('其他未结算的销售单') }]);
    expect(r[0]?.message).not.toContain('拆零');
  });

  it('never takes more pieces than one box holds, from a received box or from uncoded stock', () => {
    const r = splitPackExhausted(scanCtx({ pieces: 30 }));
    expect(r).toEqual([{ code: 'SPLIT_PACK_EXHAUSTED', message: expect.stringContaining('一盒 24粒），本次要 30粒') }]);
    expect(splitPackExhausted(scanCtx({ pieces: 30, known: undefined, lot: lot({ coded: false }) }))).toHaveLength(1);
    expect(splitPackExhausted(scanCtx({ pieces: 24, known: undefined, lot: lot({ coded: false }) }))).toEqual([]);
    // Not received and nothing to draw from: TRACE_CODE_NOT_IN_STOCK's case alone.
    expect(splitPackExhausted(scanCtx({ pieces: 30, known: undefined, lot: undefined }))).toEqual([]);
  });

  it('allows a whole-box sale of an untouched box', () => {
    expect(splitPackExhausted(scanCtx({ pieces: 24 }))).toEqual([]);
  });

  it('leaves sold boxes and unknown codes to the other rules', () => {
    expect(splitPackExhausted(scanCtx({ pieces: 6, known: known({ state: 'sold', piecesSold: 24 }) }))).toEqual([]);
    expect(splitPackExhausted(scanCtx({ pieces: 6, known: undefined }))).toEqual([]);
  });
});
