import { describe, expect, it } from 'vitest';
import { known, lot, scanCtx } from './fixtures.test-helpers.js';
import { insufficientStock } from './insufficient-stock.js';

describe('INSUFFICIENT_STOCK', () => {
  it('allows taking exactly what is on hand and not held', () => {
    expect(insufficientStock(scanCtx({ lot: lot({ piecesOnHand: 48 }), lotPiecesHeld: 24, pieces: 24 }))).toEqual([]);
  });

  it('refuses when the lot holds fewer pieces than asked, counting pieces held by open sales', () => {
    const r = insufficientStock(scanCtx({ lot: lot({ piecesOnHand: 30 }), lotPiecesHeld: 10, pieces: 24 }));
    expect(r).toEqual([{ code: 'INSUFFICIENT_STOCK', message: expect.stringContaining('账面可售 20粒，本次要 24粒') }]);
    expect(r[0]?.message).toContain('批号 A2401');
  });

  it('never shows a negative quantity', () => {
    const r = insufficientStock(scanCtx({ lot: lot({ piecesOnHand: 5 }), lotPiecesHeld: 9, pieces: 1 }));
    expect(r[0]?.message).toContain('账面可售 0粒');
  });

  it('leaves boxes no longer in stock to TRACE_CODE_ALREADY_SOLD', () => {
    expect(insufficientStock(scanCtx({ known: known({ state: 'sold', piecesSold: 24 }), lot: lot({ piecesOnHand: 0 }), pieces: 24 }))).toEqual([]);
  });

  it('checks uncoded opening stock too, and nothing without a lot', () => {
    expect(insufficientStock(scanCtx({ known: undefined, lot: lot({ coded: false, piecesOnHand: 3 }), lotPiecesHeld: 0, pieces: 6 }))).toHaveLength(1);
    expect(insufficientStock(scanCtx({ lot: undefined }))).toEqual([]);
  });
});
