// GS1 as the GS1 General Specifications (GenSpecs) and GS1's Barcode Syntax Dictionary say:
// one row per rule, each naming its section. `today` is the caller's date (the classifier has no clock).
import { describe, expect, it } from 'vitest';
import { classifyScan } from './classify.js';
import { GS } from './gs1.js';
import type { InvalidReason, ScanClass } from './types.js';

const GTIN = '06901234567892';
const TODAY = '2026-12-07';

type Want =
  | { kind: 'gs1'; fields?: Record<string, unknown> }
  | { kind: 'nmpa20' | 'ean13' }
  | { kind: 'invalid'; reason: InvalidReason; detail?: RegExp; message?: RegExp };

interface Row {
  name: string;
  scan: string;
  today?: string;
  want: Want;
}

const ok = (fields?: Record<string, unknown>): Want => ({ kind: 'gs1', ...(fields ? { fields } : {}) });
const refused = (reason: InvalidReason, detail?: RegExp, message?: RegExp): Want => ({
  kind: 'invalid',
  reason,
  ...(detail ? { detail } : {}),
  ...(message ? { message } : {}),
});

const ROWS: Row[] = [
  // GenSpecs 7.12 (determination of century in dates): the year lies within −49…+50 of the current year.
  { name: 'in 2026, YY 77 is 1977', scan: `(01)${GTIN}(17)771231(21)S`, want: ok({ expiry: '1977-12-31' }) },
  { name: 'in 2026, YY 99 is 1999', scan: `(01)${GTIN}(17)991231(21)S`, want: ok({ expiry: '1999-12-31' }) },
  { name: 'in 2026, YY 76 is 2076', scan: `(01)${GTIN}(17)761231(21)S`, want: ok({ expiry: '2076-12-31' }) },
  { name: 'in 2026, YY 27 is 2027', scan: `(01)${GTIN}(17)270315(21)S`, want: ok({ expiry: '2027-03-15' }) },
  { name: 'in 2075, YY 25 is 2125 (−50: next century)', scan: `(01)${GTIN}(17)250101(21)S`, today: '2075-06-01', want: ok({ expiry: '2125-01-01' }) },
  { name: 'in 2075, YY 26 is 2026', scan: `(01)${GTIN}(17)260101(21)S`, today: '2075-06-01', want: ok({ expiry: '2026-01-01' }) },
  { name: 'in 2026, production date YY 00 is 2000 (leap year by 400)', scan: `(01)${GTIN}(11)000229(21)S`, want: ok({ productionDate: '2000-02-29' }) },
  { name: 'raw form uses the same window', scan: `]d201${GTIN}17950600${GS}21S`, want: ok({ expiry: '1995-06-30' }) },
  // GenSpecs 7.12: DD 00 means the last day of the month (AIs 11–17, linter yymmd0) …
  { name: 'day 00 of February 2026 is the 28th', scan: `(01)${GTIN}(17)260200(21)S`, want: ok({ expiry: '2026-02-28' }) },
  { name: 'month 13 is no date', scan: `(01)${GTIN}(17)261300(21)S`, want: refused('gs1_bad_date', /\(17\).*month 13/) },
  { name: '31 April is no date', scan: `(01)${GTIN}(15)260431(21)S`, want: refused('gs1_bad_date', /\(15\).*day 31/) },
  { name: '29 February 2027 is no date', scan: `(01)${GTIN}(13)270229(21)S`, want: refused('gs1_bad_date', /\(13\).*day 29/) },
  // … but not in AIs whose dates are full dates (Syntax Dictionary linter yymmdd, e.g. (7006) first freeze date).
  { name: '(7006) day 00 is refused', scan: `(01)${GTIN}(7006)260100(21)S`, want: refused('gs1_bad_date', /\(7006\).*day 00/) },
  // GenSpecs section 3 (AI 7003) / Syntax Dictionary: expiry date and time is N6 date + N4 time.
  { name: '(7003) date and time', scan: `(01)${GTIN}(7003)2612312359(21)S`, want: ok() },
  { name: '(7003) free text is refused', scan: `(01)${GTIN}(7003)ABC(21)S`, want: refused('gs1_malformed', /\(7003\).*expected exactly 10/) },
  { name: '(7003) hour 24 is refused', scan: `(01)${GTIN}(7003)2612312400(21)S`, want: refused('gs1_bad_date', /\(7003\).*24/) },

  // GenSpecs 5.1.2 (symbology identifiers, ISO/IEC 15424): only GS1 modes carry GS1 element strings.
  { name: ']J1 GS1 DotCode is GS1', scan: `]J101${GTIN}21S${GS}10L`, want: ok({ serial: 'S', lot: 'L', symbology: ']J1' }) },
  { name: ']d2 GS1 DataMatrix is GS1', scan: `]d201${GTIN}21S`, want: ok({ symbology: ']d2' }) },
  { name: ']d1 DataMatrix (not GS1 mode) is not GS1 data', scan: `]d101${GTIN}21S${GS}10L`, want: refused('not_recognised', /not a GS1 mode/, /不是GS1格式/) },
  { name: ']Q1 QR Code (not GS1 mode) is not GS1 data', scan: `]Q101${GTIN}21S`, want: refused('not_recognised', /\]Q1 is not a GS1 mode/) },
  { name: ']C0 Code 128 (not GS1-128) is not GS1 data', scan: `]C001${GTIN}21S`, want: refused('not_recognised', /not a GS1 mode/) },
  { name: ']Q1 with bracketed text is not GS1 data', scan: `]Q1(01)${GTIN}(21)S`, want: refused('not_recognised', /not a GS1 mode/) },
  { name: ']J0 DotCode (not GS1 mode) is not GS1 data', scan: `]J0${GS}01${GTIN}21S`, want: refused('not_recognised', /not a GS1 mode/) },
  { name: ']d1 still carries a 码上放心 code', scan: ']d181000040000000000002', want: { kind: 'nmpa20' } },
  { name: ']C0 still carries a 码上放心 code', scan: ']C081000040000000000002', want: { kind: 'nmpa20' } },

  // GenSpecs 7.11, figure 7.11-1: AI data of type X uses character set 82 only.
  { name: 'set 82 punctuation is accepted', scan: `]d201${GTIN}21A%&'*+,-./:;<=>?_z`, want: ok({ serial: "A%&'*+,-./:;<=>?_z" }) },
  { name: '"#" is outside set 82', scan: `]d201${GTIN}21A#1`, want: refused('gs1_malformed', /\(21\).*U\+0023.*set 82/) },
  { name: '"$" is outside set 82', scan: `]d201${GTIN}10L$1`, want: refused('gs1_malformed', /\(10\).*U\+0024/) },
  { name: '"@" is outside set 82', scan: `]d201${GTIN}21A@1`, want: refused('gs1_malformed', /U\+0040/) },
  { name: '"~" is outside set 82', scan: `]d201${GTIN}21A~1`, want: refused('gs1_malformed', /U\+007E/) },
  { name: 'backslash is outside set 82', scan: `]d201${GTIN}21A\\1`, want: refused('gs1_malformed', /U\+005C/) },
  { name: 'a blank inside a raw value is outside set 82', scan: `]d201${GTIN}21A 1`, want: refused('gs1_malformed', /U\+0020/) },

  // GenSpecs 7.8.5 (FNC1 as separator): one separator ends a variable field; two in a row are an error.
  { name: 'doubled GS between elements', scan: `]d201${GTIN}21S${GS}${GS}10L`, want: refused('gs1_malformed', /doubled GS separator/) },
  { name: 'doubled FNC1 in first position', scan: `]d2${GS}${GS}01${GTIN}21S`, want: refused('gs1_malformed', /doubled GS separator at position 0/) },
  { name: 'one GS after a pre-defined-length AI is tolerated', scan: `]d201${GTIN}${GS}21S`, want: ok({ serial: 'S' }) },
  { name: 'one trailing GS is tolerated', scan: `]d201${GTIN}21S${GS}`, want: ok({ serial: 'S' }) },
  // GenSpecs 7.8.5, figure 7.8.5-2: only the listed AIs have a pre-defined length; (8005) is N6 but needs a separator.
  { name: '(8005) N6 followed by GS', scan: `]d201${GTIN}8005123456${GS}21S`, want: ok({ serial: 'S' }) },
  { name: '(8005) without its separator runs on', scan: `]d201${GTIN}800512345621S`, want: refused('gs1_malformed', /\(8005\).*expected exactly 6/) },

  // GenSpecs 3.2 (AI table) / Syntax Dictionary: AIs that GS1 has not assigned are refused.
  { name: 'unassigned prefix 27', scan: `]d201${GTIN}27ABC`, want: refused('gs1_malformed', /prefix 27.*not assigned/) },
  { name: 'unassigned (236) beside (235)', scan: `(01)${GTIN}(236)ABC`, want: refused('gs1_malformed', /\(236\) is not an application identifier/) },
  {
    name: 'unassigned (419) beside (410)–(417)',
    scan: `]d201${GTIN}4191234567890128`,
    want: refused('gs1_malformed', /no AI in the GS1 AI table matches "4191"/),
  },
  { name: 'unassigned (04)', scan: `(01)${GTIN}(04)1234567890123456`, want: refused('gs1_malformed', /\(04\)/) },
  { name: 'assigned (03) MTO GTIN is read', scan: `(03)${GTIN}(01)${GTIN}(21)S`, want: ok({ serial: 'S' }) },
  { name: 'assigned (7240) is read', scan: `(01)${GTIN}(7240)PROTO-1(21)S`, want: ok({ serial: 'S' }) },

  // GenSpecs 3.2: each AI's fixed or variable length and format.
  { name: '(01) with 13 digits', scan: `(01)${GTIN.slice(1)}(21)S`, want: refused('gs1_malformed', /\(01\).*expected exactly 14/) },
  { name: '(10) longer than 20', scan: `(01)${GTIN}(10)${'L'.repeat(21)}(21)S`, want: refused('gs1_malformed', /\(10\).*maximum is 20/) },
  { name: '(20) with one digit', scan: `(01)${GTIN}(20)1(21)S`, want: refused('gs1_malformed', /\(20\).*expected exactly 2/) },
  { name: '(30) numeric variable count', scan: `(01)${GTIN}(30)12345678(21)S`, want: ok() },
  { name: '(30) longer than 8', scan: `(01)${GTIN}(30)123456789(21)S`, want: refused('gs1_malformed', /\(30\).*maximum is 8/) },
  { name: '(422) is N3 country code', scan: `(01)${GTIN}(422)156(21)S`, want: ok() },
  { name: '(422) with letters', scan: `(01)${GTIN}(422)CHN(21)S`, want: refused('gs1_malformed', /\(422\) must be numeric/) },
  // GenSpecs 7.9 (check digit calculation) for every AI whose component carries one (linter csum).
  { name: 'GTIN check digit', scan: `(01)06901234567891(21)S`, want: refused('bad_check_digit', /\(01\).*expected 2/) },
  { name: '(00) SSCC check digit', scan: `(00)123456789012345670(01)${GTIN}`, want: refused('bad_check_digit', /\(00\).*expected 5/) },
  { name: '(414) GLN check digit', scan: `(01)${GTIN}(414)1234567890123`, want: refused('bad_check_digit', /\(414\).*expected 8/) },

  // Decisions (README): blanks a person types around the parts of the bracketed form are ignored.
  { name: 'blanks around bracketed parts', scan: `(01) ${GTIN} (17) 261231 ( 21 ) S1`, want: ok({ serial: 'S1', expiry: '2026-12-31' }) },
];

function check(r: ScanClass, want: Want): void {
  expect(r.kind, JSON.stringify(r)).toBe(want.kind);
  if (want.kind === 'gs1' && r.kind === 'gs1' && want.fields) expect(r).toMatchObject(want.fields);
  if (want.kind === 'invalid' && r.kind === 'invalid') {
    expect(r.reason, r.detail).toBe(want.reason);
    if (want.detail) expect(r.detail).toMatch(want.detail);
    expect(r.message).toMatch(/[\u4e00-\u9fff]/);
    if (want.message) expect(r.message).toMatch(want.message);
  }
}

describe('GS1 General Specifications, row by row', () => {
  it.each(ROWS)('$name', ({ scan, today, want }) => {
    check(classifyScan(scan, { today: today ?? TODAY }), want);
  });
});
