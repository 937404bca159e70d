import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ScanClass } from './index.js';
import { classifyScan, compileManufacturerPatterns, isTraceCode } from './index.js';

const GS = '\u001d';
const KINDS = ['nmpa20', 'gs1', 'ean13', 'manufacturer', 'invalid'];
const patterns = compileManufacturerPatterns([
  { name: 'acme', pattern: 'ACME-(?<product>[A-Z0-9]{2,8})-[0-9]+' },
  { name: 'loose', pattern: '[A-Z]{2}[0-9]{6,}' },
]);

function refCheckDigit(data: string): string {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += Number(data[i]) * ((data.length - i) % 2 === 1 ? 3 : 1);
  return String((10 - (sum % 10)) % 10);
}

/** Invariants every result must satisfy, whatever the input. */
function checkShape(r: ScanClass): void {
  expect(KINDS).toContain(r.kind);
  if (r.kind === 'invalid') {
    expect(r.detail.length).toBeGreaterThan(0);
    expect(r.message).toMatch(/[\u4e00-\u9fff]/);
    expect(isTraceCode(r)).toBe(false);
    return;
  }
  expect(r.key.length).toBeGreaterThan(0);
  if (r.kind === 'nmpa20') expect(r.key).toMatch(/^8[0-9]{19}$/);
  if (r.kind === 'ean13') expect(r.key).toMatch(/^[0-9]{13}$/);
  if (r.kind === 'gs1') {
    expect(r.gtin).toMatch(/^[0-9]{14}$/);
    expect(r.key).toBe(r.serial === undefined ? `01${r.gtin}` : `01${r.gtin}21${r.serial}`);
    expect(isTraceCode(r)).toBe(r.serial !== undefined);
  }
  if (r.kind === 'manufacturer') expect(isTraceCode(r)).toBe(true);
}

function total(input: string | Uint8Array): void {
  let r: ScanClass | undefined;
  expect(() => {
    r = classifyScan(input, { manufacturerPatterns: patterns });
  }).not.toThrow();
  checkShape(r as ScanClass);
  checkShape(classifyScan(input));
}

// Strings drawn from the characters the parser cares about reach deep branches that random Unicode rarely hits.
const scannerish = fc.string({
  unit: fc.constantFrom(...'0123456789', '0', '1', '8', GS, '(', ')', ']', 'd', 'C', '2', 'A', 'z', '#', ' ', '\r', '\n'),
  maxLength: 60,
});

describe('classifyScan is total', () => {
  it('never throws on arbitrary Unicode strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), total), { numRuns: 3000 });
  });

  it('never throws on arbitrary grapheme strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), total), { numRuns: 2000 });
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), total), { numRuns: 3000 });
  });

  it('never throws on scanner-like strings', () => {
    fc.assert(fc.property(scannerish, total), { numRuns: 5000 });
  });

  it('bytes and the equivalent latin1 string classify the same', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        expect(classifyScan(b)).toEqual(classifyScan(String.fromCharCode(...b)));
      }),
      { numRuns: 2000 },
    );
  });
});

const digit = fc.constantFrom(...'0123456789');
const digits = (n: number) => fc.string({ unit: digit, minLength: n, maxLength: n });
// GS1 character set 82 (GenSpecs figure 7.11-1) minus ( ) so the parenthesised form can carry it.
const valueChar = fc.constantFrom(
  ...Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).filter((c) => /[!"%&'*+,\-./0-9:;<=>?A-Z_a-z]/.test(c)),
);
const xValue = (max: number) => fc.string({ unit: valueChar, minLength: 1, maxLength: max });

const LAST_DAY = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const date = fc
  .record({ yy: fc.integer({ min: 0, max: 99 }), mm: fc.integer({ min: 1, max: 12 }), dd: fc.integer({ min: 0, max: 31 }) })
  .map(({ yy, mm, dd }) => {
    const year = 2000 + yy;
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    const last = mm === 2 && leap ? 29 : (LAST_DAY[mm - 1] ?? 31);
    const d = Math.min(dd, last);
    const p = (n: number) => String(n).padStart(2, '0');
    return { yymmdd: `${p(yy)}${p(mm)}${p(d)}`, iso: `${year}-${p(mm)}-${p(d === 0 ? last : d)}` };
  });

interface El {
  ai: string;
  value: string;
  fixed: boolean;
}

const validGs1 = fc
  .record({
    gtin: digits(13).map((d) => d + refCheckDigit(d)),
    serial: fc.option(xValue(20), { nil: undefined }),
    lot: fc.option(xValue(20), { nil: undefined }),
    expiry: fc.option(date, { nil: undefined }),
    produced: fc.option(date, { nil: undefined }),
    extra: fc.option(
      fc.oneof(
        fc.constantFrom('91', '240', '8004').chain((ai) => xValue(20).map((value) => ({ ai, value }))),
        // (7003) is an N6 date + N4 time (GenSpecs section 3, Syntax Dictionary), not free text.
        fc
          .record({ d: date, hh: fc.integer({ min: 0, max: 23 }), mi: fc.integer({ min: 0, max: 59 }) })
          .filter(({ d }) => !d.yymmdd.endsWith('00'))
          .map(({ d, hh, mi }) => ({ ai: '7003', value: `${d.yymmdd}${String(hh).padStart(2, '0')}${String(mi).padStart(2, '0')}` })),
      ),
      { nil: undefined },
    ),
    gsAfterFixed: fc.boolean(),
    seed: fc.integer(),
  })
  .chain((g) => {
    const rest: El[] = [];
    if (g.serial !== undefined) rest.push({ ai: '21', value: g.serial, fixed: false });
    if (g.lot !== undefined) rest.push({ ai: '10', value: g.lot, fixed: false });
    if (g.expiry) rest.push({ ai: '17', value: g.expiry.yymmdd, fixed: true });
    if (g.produced) rest.push({ ai: '11', value: g.produced.yymmdd, fixed: true });
    if (g.extra) rest.push({ ...g.extra, fixed: false });
    return fc.shuffledSubarray(rest, { minLength: rest.length, maxLength: rest.length }).map((order) => ({
      g,
      elements: [{ ai: '01', value: g.gtin, fixed: true }, ...order],
    }));
  });

function rawForm(elements: El[], gsAfterFixed: boolean): string {
  return elements.map((e, i) => `${e.ai}${e.value}${i < elements.length - 1 && (!e.fixed || gsAfterFixed) ? GS : ''}`).join('');
}

describe('generated valid codes', () => {
  it('GS1 raw, ]d2-prefixed and parenthesised forms classify to the same key and fields', () => {
    fc.assert(
      fc.property(validGs1, ({ g, elements }) => {
        const raw = rawForm(elements, g.gsAfterFixed);
        const forms = [raw, `]d2${raw}`, `${GS}${raw}\r\n`, elements.map((e) => `(${e.ai})${e.value}`).join('')];
        const results = forms.map((f) => classifyScan(f));
        const expected = {
          kind: 'gs1',
          key: g.serial === undefined ? `01${g.gtin}` : `01${g.gtin}21${g.serial}`,
          gtin: g.gtin,
          ais: elements.map(({ ai, value }) => ({ ai, value })),
          ...(g.serial === undefined ? {} : { serial: g.serial }),
          ...(g.lot === undefined ? {} : { lot: g.lot }),
          ...(g.expiry ? { expiry: g.expiry.iso } : {}),
          ...(g.produced ? { productionDate: g.produced.iso } : {}),
        };
        expect(results[0]).toEqual(expected);
        expect(results[1]).toEqual({ ...expected, symbology: ']d2' });
        expect(results[2]).toEqual(expected);
        expect(results[3]).toEqual(expected);
        expect(isTraceCode(results[0] as ScanClass)).toBe(g.serial !== undefined);
      }),
      { numRuns: 2000 },
    );
  });

  it('码上放心 codes keep their 20 digits as key in every input form', () => {
    fc.assert(
      fc.property(digits(19), fc.constantFrom('', ']C0', ']d1'), (d, sym) => {
        const code = `8${d}`;
        const r = classifyScan(Uint8Array.from(`${sym}${code}\n`, (c) => c.charCodeAt(0)));
        expect(r).toMatchObject({ kind: 'nmpa20', key: code, drugId: code.slice(0, 7), serial: code.slice(7) });
      }),
      { numRuns: 500 },
    );
  });

  it('EAN-13: valid check digit -> ean13, any other digit -> bad_check_digit', () => {
    fc.assert(
      fc.property(digits(12), digit, (d, other) => {
        const good = d + refCheckDigit(d);
        expect(classifyScan(good)).toEqual({ kind: 'ean13', key: good, barcode: good });
        if (other !== refCheckDigit(d)) expect(classifyScan(d + other)).toMatchObject({ kind: 'invalid', reason: 'bad_check_digit' });
      }),
      { numRuns: 500 },
    );
  });
});
