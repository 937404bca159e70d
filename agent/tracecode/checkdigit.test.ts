import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gs1CheckDigit, gs1CheckDigitValid, normalizeGtin } from './checkdigit.js';

/** Independent mod-10 (left to right; weight 3 on positions an odd distance from the check digit). */
function refCheckDigit(data: string): number {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += Number(data[i]) * ((data.length - i) % 2 === 1 ? 3 : 1);
  return (10 - (sum % 10)) % 10;
}

describe('gs1CheckDigitValid', () => {
  it('accepts published valid codes', () => {
    expect(gs1CheckDigitValid('4006381333931')).toBe(true); // EAN-13, Wikipedia example
    expect(gs1CheckDigitValid('96385074')).toBe(true); // EAN-8
    expect(gs1CheckDigitValid('036000291452')).toBe(true); // UPC-A
    expect(gs1CheckDigitValid('10614141000415')).toBe(true); // GTIN-14, GS1 example
    expect(gs1CheckDigitValid('6901234567892')).toBe(true);
    expect(gs1CheckDigitValid('06901234567892')).toBe(true);
  });

  it('rejects a wrong check digit', () => {
    expect(gs1CheckDigitValid('4006381333932')).toBe(false);
    expect(gs1CheckDigitValid('4006381333930')).toBe(false);
    expect(gs1CheckDigitValid('6901234567891')).toBe(false);
  });

  it('rejects non-digit, empty and too-short input', () => {
    expect(gs1CheckDigitValid('')).toBe(false);
    expect(gs1CheckDigitValid('0')).toBe(false);
    expect(gs1CheckDigitValid('400638133393X')).toBe(false);
    expect(gs1CheckDigitValid(' 4006381333931')).toBe(false);
    expect(gs1CheckDigitValid('４００６３８１３３３９３１')).toBe(false);
  });

  it('agrees with an independent implementation; exactly one check digit is valid', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 20 }), (data) => {
        const expected = refCheckDigit(data);
        expect(gs1CheckDigit(data)).toBe(expected);
        for (let d = 0; d <= 9; d++) expect(gs1CheckDigitValid(data + String(d))).toBe(d === expected);
      }),
      { numRuns: 500 },
    );
  });
});

describe('normalizeGtin', () => {
  it('pads valid GTIN-8/12/13/14 to 14 digits', () => {
    expect(normalizeGtin('96385074')).toBe('00000096385074');
    expect(normalizeGtin('036000291452')).toBe('00036000291452');
    expect(normalizeGtin('4006381333931')).toBe('04006381333931');
    expect(normalizeGtin('10614141000415')).toBe('10614141000415');
  });

  it('rejects bad check digits, other lengths and non-digits', () => {
    expect(normalizeGtin('4006381333932')).toBeUndefined();
    expect(normalizeGtin('0400638133393')).toBeUndefined(); // 13 digits, wrong check
    expect(normalizeGtin('400638133393')).toBeUndefined(); // 12 digits, wrong check
    expect(normalizeGtin('00004006381333931')).toBeUndefined(); // 17 digits
    expect(normalizeGtin('1234567')).toBeUndefined();
    expect(normalizeGtin('')).toBeUndefined();
    expect(normalizeGtin('4006381A33931')).toBeUndefined();
  });

  it('the padded GTIN-14 keeps a valid check digit', () => {
    fc.assert(
      fc.property(fc.constantFrom(7, 11, 12, 13), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 13, maxLength: 13 }), (len, digits) => {
        const data = digits.slice(0, len).join('');
        const gtin = data + String(refCheckDigit(data));
        const n = normalizeGtin(gtin);
        expect(n).toHaveLength(14);
        expect(gs1CheckDigitValid(n ?? '')).toBe(true);
        expect(n?.endsWith(gtin)).toBe(true);
      }),
    );
  });
});
