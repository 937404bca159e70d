import { describe, expect, it } from 'vitest';
import type { InvalidScan, ScanClass } from './index.js';
import { classifyScan, compileManufacturerPatterns, isTraceCode, MAX_SCAN_LENGTH } from './index.js';

const NMPA = '81234567890123456789';
const GTIN = '06901234567892';
const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

function bad(s: ScanClass, reason: InvalidScan['reason'], detail?: RegExp): InvalidScan {
  expect(s.kind, JSON.stringify(s)).toBe('invalid');
  const inv = s as InvalidScan;
  expect(inv.reason, inv.detail).toBe(reason);
  if (detail) expect(inv.detail).toMatch(detail);
  expect(inv.message).toMatch(/[\u4e00-\u9fff]/);
  return inv;
}

describe('码上放心 20-digit codes', () => {
  it('splits drug id and serial', () => {
    expect(classifyScan(NMPA)).toEqual({ kind: 'nmpa20', key: NMPA, drugId: '8123456', serial: '7890123456789' });
  });

  it('same key from bytes, with whitespace and with a symbology id', () => {
    expect(classifyScan(bytes(`${NMPA}\r\n`))).toEqual(classifyScan(NMPA));
    expect(classifyScan(`  ${NMPA}\t\n`)).toEqual(classifyScan(NMPA));
    expect(classifyScan(`]C0${NMPA}`)).toEqual({ ...classifyScan(NMPA), symbology: ']C0' });
    expect(classifyScan(`]d2${NMPA}`).kind).toBe('nmpa20');
  });

  it('20 digits not beginning with 8 are not recognised', () => {
    bad(classifyScan('71234567890123456789'), 'not_recognised', /does not begin with 8/);
  });

  it('near-20 digit counts are a bad length', () => {
    bad(classifyScan(NMPA.slice(0, 19)), 'bad_length', /19 digits/);
    bad(classifyScan(`${NMPA}0`), 'bad_length', /21 digits/);
  });
});

describe('EAN-13 and other product barcodes', () => {
  it('valid EAN-13 is its own kind and not a trace code', () => {
    const r = classifyScan('6901234567892');
    expect(r).toEqual({ kind: 'ean13', key: '6901234567892', barcode: '6901234567892' });
    expect(isTraceCode(r)).toBe(false);
    expect(classifyScan(']E04006381333931')).toEqual({ kind: 'ean13', key: '4006381333931', barcode: '4006381333931', symbology: ']E0' });
  });

  it('bad check digit is reported', () => {
    bad(classifyScan('6901234567891'), 'bad_check_digit', /expected 2/);
  });

  it('GTIN-8/12/14 product barcodes get a product-barcode message', () => {
    for (const code of ['96385074', '036000291452', '10614141000415']) {
      expect(bad(classifyScan(code), 'not_recognised', /GTIN product barcode/).message).toContain('商品条码');
    }
  });
});

describe('input handling', () => {
  it('empty input', () => {
    bad(classifyScan(''), 'empty');
    bad(classifyScan(' \r\n\t '), 'empty');
    bad(classifyScan(new Uint8Array(0)), 'empty');
    bad(classifyScan(']d2'), 'empty');
    bad(classifyScan(']d2\u001d'), 'empty');
  });

  it('decodes bytes as latin1, honouring subarray offsets', () => {
    const buf = bytes(`xx]d201${GTIN}21S1\u001d10L\r\nyy`);
    const r = classifyScan(buf.subarray(2, buf.length - 2));
    expect(r).toMatchObject({ kind: 'gs1', key: `01${GTIN}21S1`, lot: 'L', symbology: ']d2' });
    bad(classifyScan(Uint8Array.of(0x38, 0xe9, 0x31)), 'bad_characters', /U\+00E9/);
  });

  it('control characters other than GS are bad characters', () => {
    bad(classifyScan(`8123456\t7890123456789`), 'bad_characters', /U\+0009 at index 7/);
    bad(classifyScan(`${NMPA}\u0000x`), 'bad_characters', /U\+0000/);
    bad(classifyScan(bytes(`${NMPA}\u007f1`)), 'bad_characters', /U\+007F/);
    bad(classifyScan(Uint8Array.of(0x38, 0x85, 0x31)), 'bad_characters', /U\+0085/);
  });

  it('non-ASCII text (e.g. full-width digits from an IME) is bad characters', () => {
    bad(classifyScan('８１２３４５６７８９０１２３４５６７８９'), 'bad_characters', /U\+FF18/);
  });

  it('over-long scans are refused', () => {
    bad(classifyScan('A'.repeat(MAX_SCAN_LENGTH + 1)), 'bad_length', /1025 characters/);
  });

  it('unknown text is not recognised with a cashier message', () => {
    const inv = bad(classifyScan('hello'), 'not_recognised');
    expect(inv.message).toBe('追溯码无法识别：请重新扫描药品包装上的追溯码');
    bad(classifyScan('1234'), 'not_recognised');
    bad(classifyScan('01ABCDEFGHIJKLMNOP'), 'gs1_malformed', /\(01\) must be numeric/);
  });

  it('survives wrong runtime types', () => {
    const c = classifyScan as (x: unknown, o?: unknown) => ScanClass;
    bad(c(undefined), 'empty');
    bad(c(null), 'empty');
    bad(c(42), 'not_recognised', /unsupported input type number/);
    bad(c({}), 'not_recognised');
    expect(c(NMPA, { manufacturerPatterns: 'nope' }).kind).toBe('nmpa20');
    bad(c('hello', { manufacturerPatterns: [null, 1, { name: 'x' }] }), 'not_recognised');
  });
});

describe('manufacturer patterns', () => {
  const patterns = compileManufacturerPatterns([
    { name: 'acme', pattern: 'ACME-(?<product>[A-Z]{3})-[0-9]{6}' },
    { name: 'acme-any', pattern: 'ACME-.+' },
    { name: 'digits', pattern: '[0-9]{10,30}' },
    { name: 'zero-one', pattern: '01[0-9A-Z]{16}' },
  ]);

  it('matches the whole scan; first match wins; productRef from the named group', () => {
    expect(classifyScan(' ]Q1ACME-ABC-123456\r\n', { manufacturerPatterns: patterns })).toEqual({
      kind: 'manufacturer',
      key: 'ACME-ABC-123456',
      pattern: 'acme',
      productRef: 'ABC',
      symbology: ']Q1',
    });
    expect(classifyScan('ACME-ABC-1234567', { manufacturerPatterns: patterns })).toEqual({
      kind: 'manufacturer',
      key: 'ACME-ABC-1234567',
      pattern: 'acme-any',
    });
    bad(classifyScan('xACME-ABC-123456'), 'not_recognised');
    bad(classifyScan('xACME-ABC-123456', { manufacturerPatterns: patterns }), 'not_recognised');
  });

  it('manufacturer codes are trace codes', () => {
    expect(isTraceCode(classifyScan('ACME-ABC-123456', { manufacturerPatterns: patterns }))).toBe(true);
  });

  it('built-in formats win over patterns', () => {
    expect(classifyScan(NMPA, { manufacturerPatterns: patterns }).kind).toBe('nmpa20');
    expect(classifyScan('6901234567892', { manufacturerPatterns: patterns }).kind).toBe('ean13');
    expect(classifyScan(`01${GTIN}21X`, { manufacturerPatterns: patterns }).kind).toBe('gs1');
    expect(classifyScan('6901234567891', { manufacturerPatterns: patterns }).kind).toBe('invalid');
  });

  it('patterns get a chance when text only looks like raw GS1, not when the scanner said GS1', () => {
    const looksGs1 = '01ABCDEFGHIJ123456';
    expect(classifyScan(looksGs1, { manufacturerPatterns: patterns })).toMatchObject({ kind: 'manufacturer', pattern: 'zero-one' });
    bad(classifyScan(`]d2${looksGs1}`, { manufacturerPatterns: patterns }), 'gs1_malformed');
    expect(classifyScan('1234567890', { manufacturerPatterns: patterns })).toMatchObject({ kind: 'manufacturer', key: '1234567890' });
  });

  it('compile errors name the pattern', () => {
    expect(() => compileManufacturerPatterns([{ name: 'broken', pattern: '([a-z' }])).toThrow(/manufacturer pattern "broken"/);
    // Would break out of the anchoring group if not compiled alone first.
    expect(() => compileManufacturerPatterns([{ name: 'escape', pattern: 'a)|(b' }])).toThrow(/"escape"/);
    expect(() => compileManufacturerPatterns([{ name: 'blank', pattern: '' }])).toThrow(/"blank"/);
    expect(compileManufacturerPatterns([])).toEqual([]);
  });

  it('a throwing or stateful regex does not break classification', () => {
    class Boom extends RegExp {
      override exec(): RegExpExecArray | null {
        throw new Error('boom');
      }
    }
    const g = { name: 'global', regex: /X+/g };
    const opts = { manufacturerPatterns: [{ name: 'boom', regex: new Boom('x') }, g] };
    bad(classifyScan('x', opts), 'not_recognised');
    expect(classifyScan('XX', opts).kind).toBe('manufacturer');
    expect(classifyScan('XX', opts).kind).toBe('manufacturer'); // lastIndex reset
    bad(classifyScan('aXX', opts), 'not_recognised'); // unanchored regex still needs a whole-scan match
  });
});

describe('isTraceCode', () => {
  it('nmpa20 and GS1 with serial identify a box; GS1 without serial, EAN-13 and invalid do not', () => {
    expect(isTraceCode(classifyScan(NMPA))).toBe(true);
    expect(isTraceCode(classifyScan(`(01)${GTIN}(21)S`))).toBe(true);
    expect(isTraceCode(classifyScan(`(01)${GTIN}(10)L`))).toBe(false);
    expect(isTraceCode(classifyScan('4006381333931'))).toBe(false);
    expect(isTraceCode(classifyScan('junk'))).toBe(false);
  });
});
