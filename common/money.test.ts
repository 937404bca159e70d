import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fenToYuan, yuanToFen } from './money.js';

const safeFen = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });

describe('fenToYuan / yuanToFen', () => {
  it('formats with exactly two places', () => {
    expect(fenToYuan(1230)).toBe('12.30');
    expect(fenToYuan(5)).toBe('0.05');
    expect(fenToYuan(0)).toBe('0.00');
    expect(fenToYuan(-5)).toBe('-0.05');
    expect(fenToYuan(100)).toBe('1.00');
    expect(fenToYuan(Number.MAX_SAFE_INTEGER)).toBe('90071992547409.91');
  });

  it('round-trips every safe integer exactly', () => {
    fc.assert(fc.property(safeFen, (fen) => yuanToFen(fenToYuan(fen)) === fen));
  });

  it('always renders two decimals', () => {
    fc.assert(fc.property(safeFen, (fen) => /^-?\d+\.\d{2}$/.test(fenToYuan(fen))));
  });

  it('parses decimal strings with 0–2 places exactly (BigInt oracle)', () => {
    const arb = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.constantFrom('', '.', '..'), fc.integer({ min: 0, max: 99 }));
    fc.assert(
      fc.property(arb, ([whole, places, cents]) => {
        const text = places === '' ? `${whole}` : places === '.' ? `${whole}.${cents % 10}` : `${whole}.${String(cents).padStart(2, '0')}`;
        const expected = places === '' ? whole * 100n : places === '.' ? whole * 100n + BigInt((cents % 10) * 10) : whole * 100n + BigInt(cents);
        return yuanToFen(text) === Number(expected);
      }),
    );
  });

  it('accepts JSON numbers with at most two decimals', () => {
    expect(yuanToFen(12.3)).toBe(1230);
    expect(yuanToFen(0.07)).toBe(7);
    expect(yuanToFen(1999.99)).toBe(199999);
    fc.assert(fc.property(fc.integer({ min: -(10 ** 12), max: 10 ** 12 }), (fen) => yuanToFen(Number(fenToYuan(fen))) === fen));
  });

  it('rejects more than two decimals, garbage and unsafe amounts', () => {
    for (const bad of ['12.345', '0.001', '', ' 1.00', '1.00 ', '1e3', '+1', '.5', '5.', '1,00', 'abc', '--1', '0x10', 'NaN', '99999999999999999.00']) {
      expect(() => yuanToFen(bad), bad).toThrow(Error);
    }
    for (const bad of [0.1 + 0.2, 1.005, NaN, Infinity, 1e21]) expect(() => yuanToFen(bad)).toThrow(Error);
    expect(() => fenToYuan(1.5)).toThrow(Error);
    expect(() => fenToYuan(2 ** 53)).toThrow(Error);
  });

  it('rejects any string with three or more decimals', () => {
    fc.assert(
      fc.property(fc.nat(), fc.stringMatching(/^\d{3,6}$/), (whole, frac) => {
        expect(() => yuanToFen(`${whole}.${frac}`)).toThrow(/at most two decimals/);
      }),
    );
  });

  it('never returns negative zero', () => {
    expect(Object.is(yuanToFen('-0.00'), 0)).toBe(true);
  });
});
