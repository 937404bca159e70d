import { describe, expect, it } from 'vitest';
import { classifyScan } from './classify.js';
import { aiLength, GS, gs1DateToIso } from './gs1.js';
import type { Gs1Code, InvalidScan, ScanClass } from './types.js';

const GTIN = '06901234567892';

function gs1(s: ScanClass): Gs1Code {
  expect(s.kind, JSON.stringify(s)).toBe('gs1');
  return s as Gs1Code;
}

function bad(s: ScanClass, reason: InvalidScan['reason'], detail?: RegExp): InvalidScan {
  expect(s.kind, JSON.stringify(s)).toBe('invalid');
  const inv = s as InvalidScan;
  expect(inv.reason, inv.detail).toBe(reason);
  if (detail) expect(inv.detail).toMatch(detail);
  expect(inv.message).toMatch(/[\u4e00-\u9fff]/);
  return inv;
}

describe('GS1 forms', () => {
  const raw = `01${GTIN}17261231` + `10A12${GS}21XYZ`;
  const expected = {
    kind: 'gs1',
    key: `01${GTIN}21XYZ`,
    gtin: GTIN,
    serial: 'XYZ',
    lot: 'A12',
    expiry: '2026-12-31',
    ais: [
      { ai: '01', value: GTIN },
      { ai: '17', value: '261231' },
      { ai: '10', value: 'A12' },
      { ai: '21', value: 'XYZ' },
    ],
  };

  it('parses raw form with ]d2 and records the symbology', () => {
    expect(classifyScan(`]d2${raw}`)).toEqual({ ...expected, symbology: ']d2' });
  });

  it('parses raw form without a symbology id', () => {
    const r = classifyScan(raw);
    expect(r).toEqual(expected);
    expect(gs1(r).symbology).toBeUndefined();
  });

  it('parses the parenthesised form to the same result', () => {
    expect(classifyScan(`(01)${GTIN}(17)261231(10)A12(21)XYZ`)).toEqual(expected);
  });

  it('tolerates blanks in typed parenthesised form', () => {
    expect(classifyScan(`(01) ${GTIN} (17) 261231 (10) A12 ( 21 ) XYZ`)).toEqual(expected);
  });

  it('ignores a leading GS (FNC1) and other GS1 symbologies', () => {
    expect(classifyScan(`${GS}${raw}`)).toEqual(expected);
    for (const sym of [']C1', ']Q3', ']e0']) expect(classifyScan(`${sym}${raw}`)).toEqual({ ...expected, symbology: sym });
    expect(classifyScan(`]d2${GS}${raw}`)).toEqual({ ...expected, symbology: ']d2' });
  });

  it('accepts elements in any order and a GS after fixed-length fields', () => {
    const r = gs1(classifyScan(`]d221SER${GS}17261231${GS}01${GTIN}${GS}10L1`));
    expect(r.key).toBe(`01${GTIN}21SER`);
    expect(r.lot).toBe('L1');
    expect(r.ais.map((a) => a.ai)).toEqual(['21', '17', '01', '10']);
  });

  it('gives key 01+GTIN when there is no serial', () => {
    const r = gs1(classifyScan(`]d201${GTIN}10LOT7`));
    expect(r.key).toBe(`01${GTIN}`);
    expect(r.serial).toBeUndefined();
    expect(gs1(classifyScan(`01${GTIN}`)).key).toBe(`01${GTIN}`);
  });

  it('keeps unknown AIs and parses fixed-length measures', () => {
    const r = gs1(classifyScan(`]d201${GTIN}3103000150` + `70032612311230${GS}91internal-9${GS}21S1`));
    expect(r.ais).toEqual([
      { ai: '01', value: GTIN },
      { ai: '3103', value: '000150' },
      { ai: '7003', value: '2612311230' },
      { ai: '91', value: 'internal-9' },
      { ai: '21', value: 'S1' },
    ]);
    expect(gs1(classifyScan(`(01)${GTIN}(8004)XYZ123(21)S1`)).ais[1]).toEqual({ ai: '8004', value: 'XYZ123' });
  });

  it('reads production date (11) and a 20-digit string that is GS1', () => {
    expect(gs1(classifyScan(`(01)${GTIN}(11)250115(17)270115`)).productionDate).toBe('2025-01-15');
    const r = gs1(classifyScan(`01${GTIN}2012`)); // 20 digits, not beginning with 8: AI (20) variant
    expect(r.ais[1]).toEqual({ ai: '20', value: '12' });
  });

  it('accepts set 82 punctuation in raw serials and refuses printable ASCII outside it (GenSpecs 7.11)', () => {
    expect(gs1(classifyScan(`]d201${GTIN}21A%1(b)_`)).serial).toBe('A%1(b)_');
    bad(classifyScan(`]d201${GTIN}21A#1(b)~`), 'gs1_malformed', /\(21\).*U\+0023.*set 82/);
  });

  it('accepts a duplicate AI with the same value', () => {
    const r = gs1(classifyScan(`]d201${GTIN}21S${GS}01${GTIN}`));
    expect(r.ais).toHaveLength(2);
  });
});

describe('GS1 dates', () => {
  const exp = (yymmdd: string) => classifyScan(`(01)${GTIN}(17)${yymmdd}(21)S`);

  it('converts YYMMDD with year 2000+YY', () => {
    expect(gs1(exp('270315')).expiry).toBe('2027-03-15');
    expect(gs1(exp('991231')).expiry).toBe('2099-12-31');
  });

  it('day 00 means the last day of the month, leap years included', () => {
    expect(gs1(exp('240200')).expiry).toBe('2024-02-29');
    expect(gs1(exp('250200')).expiry).toBe('2025-02-28');
    expect(gs1(exp('000200')).expiry).toBe('2000-02-29'); // divisible by 400
    expect(gs1(exp('261100')).expiry).toBe('2026-11-30');
    expect(gs1(exp('261200')).expiry).toBe('2026-12-31');
  });

  it('29 February only in leap years', () => {
    expect(gs1(exp('280229')).expiry).toBe('2028-02-29');
    bad(exp('270229'), 'gs1_bad_date', /\(17\).*day 29/);
  });

  it('rejects invalid months and days', () => {
    bad(exp('261301'), 'gs1_bad_date', /month 13/);
    bad(exp('260001'), 'gs1_bad_date', /month 00/);
    bad(exp('260431'), 'gs1_bad_date', /day 31/);
    bad(classifyScan(`(01)${GTIN}(11)261340`), 'gs1_bad_date', /\(11\)/);
    bad(classifyScan(`(01)${GTIN}(15)260132`), 'gs1_bad_date', /\(15\)/); // best-before, not exposed but checked
  });

  it('gs1DateToIso reports errors rather than throwing', () => {
    expect(gs1DateToIso('2612')).toHaveProperty('error');
    expect(gs1DateToIso('26a231')).toHaveProperty('error');
    expect(gs1DateToIso('260100')).toEqual({ iso: '2026-01-31' });
  });
});

describe('GS1 malformed', () => {
  it('truncated fixed-length field', () => {
    bad(classifyScan(']d2010690123456'), 'gs1_malformed', /\(01\) is truncated: 10 of 14/);
    bad(classifyScan(`]d201${GTIN}1726`), 'gs1_malformed', /\(17\) is truncated/);
    bad(classifyScan(`]d201${GTIN}1726${GS}21X`), 'gs1_malformed', /\(17\) is truncated: 2 of 6/);
  });

  it('wrong length in parenthesised form', () => {
    bad(classifyScan(`(01)${GTIN}0`), 'gs1_malformed', /\(01\).*15 characters; expected exactly 14/);
    bad(classifyScan(`(01)${GTIN}(17)2612`), 'gs1_malformed', /\(17\).*expected exactly 6/);
  });

  it('non-digit in a numeric field', () => {
    bad(classifyScan(']d2010690123456789A'), 'gs1_malformed', /\(01\) must be numeric/);
    bad(classifyScan(`(01)${GTIN}(17)26AB31`), 'gs1_malformed', /\(17\) must be numeric/);
    bad(classifyScan(`(01)${GTIN}(30)12X`), 'gs1_malformed', /\(30\) must be numeric/);
  });

  it('over-long variable field (e.g. a missing GS)', () => {
    bad(classifyScan(`]d201${GTIN}10LOT12345678901234567821SERIAL`), 'gs1_malformed', /\(10\).*maximum is 20.*GS/);
    bad(classifyScan(`(01)${GTIN}(21)${'S'.repeat(21)}`), 'gs1_malformed', /\(21\) value is 21 characters; maximum is 20/);
    expect(gs1(classifyScan(`(01)${GTIN}(21)${'S'.repeat(20)}`)).serial).toHaveLength(20);
  });

  it('duplicate AI with a different value', () => {
    bad(classifyScan(`]d201${GTIN}21A${GS}21B`), 'gs1_malformed', /\(21\) appears twice.*"A".*"B"/);
  });

  it('empty value', () => {
    bad(classifyScan(`]d201${GTIN}10${GS}21X`), 'gs1_malformed', /\(10\) has an empty value/);
    bad(classifyScan(`(01)${GTIN}(10)(21)X`), 'gs1_malformed', /\(10\) has an empty value/);
    bad(classifyScan(`]d201${GTIN}21`), 'gs1_malformed', /\(21\) has an empty value/);
  });

  it('bad characters inside values', () => {
    bad(classifyScan(`(01)${GTIN}(21)A B`), 'gs1_malformed', /\(21\).*U\+0020/);
    bad(classifyScan(`(01)${GTIN}(21)A)B`), 'gs1_malformed', /\(21\).*U\+0029/);
    bad(classifyScan(`]d201${GTIN}21AB${GS}10é`), 'gs1_malformed', /\(10\).*U\+00E9/);
  });

  it('unassigned AI prefixes and bad AI syntax', () => {
    bad(classifyScan(`]d201${GTIN}27ABC`), 'gs1_malformed', /prefix 27.*not assigned/);
    bad(classifyScan(`(01)${GTIN}(017)X`), 'gs1_malformed', /\(017\) has 3 digits/);
    bad(classifyScan(`(01)${GTIN}(1A)X`), 'gs1_malformed', /not an application identifier/);
    bad(classifyScan(`(01)${GTIN}(21`), 'gs1_malformed', /not closed/);
    bad(classifyScan(`]d201${GTIN}${GS}XY`), 'gs1_malformed', /expected an application identifier/);
  });

  it('requires (01) and a valid GTIN check digit', () => {
    bad(classifyScan(']d210LOT1'), 'gs1_malformed', /no \(01\) GTIN/);
    bad(classifyScan('(10)LOT1(21)S'), 'gs1_malformed', /no \(01\)/);
    const inv = bad(classifyScan('(01)06901234567891(21)S'), 'bad_check_digit', /\(01\).*expected 2/);
    expect(inv.message).toContain('重新扫描');
  });
});

describe('aiLength', () => {
  it('follows the GS1 prefix table', () => {
    expect(['00', '01', '02', '10', '17', '22', '30', '37', '90', '99'].map(aiLength)).toEqual(Array(10).fill(2));
    expect(['23', '24', '25', '40', '41', '42', '71'].map(aiLength)).toEqual(Array(7).fill(3));
    expect(['31', '36', '39', '43', '70', '72', '80', '81', '82'].map(aiLength)).toEqual(Array(9).fill(4));
    expect(['03', '09', '26', '29', '38', '44', '69', '73', '79', '83', '89', 'AB', '1'].map(aiLength)).toEqual(Array(13).fill(undefined));
  });
});
