import { describe, expect, it } from 'vitest';
import { isValidIdNumber as checkIdNumber, idCheckChar } from '../../common/idnumber.js';
import type { IdCard } from '../types.js';
import { encodeBasicInfo, encodeCard, encodeTextBlock, parseBasicInfo, parseTextBlock, validateCard } from './card.js';
import { SAMPLE_CARDS } from './simulator.js';

const zhang = SAMPLE_CARDS.zhangJianguo;
const hexAt = (b: Uint8Array, at: number, n: number): string => Buffer.from(b.subarray(at, at + n)).toString('hex');

describe('text block', () => {
  it('lays fields out as GA/T 490 says: UCS-2 LE, space padded, fixed offsets', () => {
    const t = encodeTextBlock(zhang);
    expect(t.length).toBe(256);
    expect(hexAt(t, 0, 8)).toBe('205f fa5e fd56 2000'.replaceAll(' ', '')); // 张建国 then a space
    expect(hexAt(t, 30, 2)).toBe('3100'); // sex '1'
    expect(hexAt(t, 32, 4)).toBe('30003100'); // nation '01'
    expect(Buffer.from(t.subarray(36, 52)).toString('utf16le')).toBe('19620512');
    expect(Buffer.from(t.subarray(122, 158)).toString('utf16le')).toBe('130102196205120319');
    expect(Buffer.from(t.subarray(188, 204)).toString('utf16le')).toBe('20120820');
    expect(hexAt(t, 204, 6)).toBe('7f951f672000'); // 长期 + padding
    expect(Buffer.from(t.subarray(220)).toString('utf16le')).toBe(' '.repeat(18));
  });

  it('parses back, trimming padding, with dates as YYYY-MM-DD and 长期 kept', () => {
    const { photo: _photo, ...text } = zhang;
    expect(parseTextBlock(encodeTextBlock(zhang))).toEqual(text);
    expect(parseTextBlock(encodeTextBlock(zhang)).validTo).toBe('长期');
    expect(parseTextBlock(encodeTextBlock(SAMPLE_CARDS.wangHaoran)).validTo).toBe('2031-07-01');
  });

  it('trims NUL padding too, and refuses a short block or an over-long field', () => {
    const t = encodeTextBlock(zhang);
    t.fill(0, 6, 30); // some modules pad with NULs
    expect(parseTextBlock(t).name).toBe('张建国');
    expect(() => parseTextBlock(new Uint8Array(100))).toThrow(RangeError);
    expect(() => encodeTextBlock({ ...zhang, name: '名'.repeat(16) })).toThrow(/longer than 15/);
  });

  it('read answer data: lengths, text, 1024-byte photo', () => {
    const data = encodeBasicInfo(zhang);
    expect(hexAt(data, 0, 4)).toBe('01000400');
    const card = parseBasicInfo(data);
    expect(card).toEqual(zhang);
    expect(card.photo.length).toBe(1024);
    expect(() => parseBasicInfo(data.subarray(0, 500))).toThrow(/500 data bytes/);
    expect(encodeCard({ ...zhang, photo: Uint8Array.of(1, 2) }).photo.length).toBe(1024);
  });
});

describe('ID number check digit (GB 11643, ISO 7064 MOD 11-2)', () => {
  it('accepts valid numbers, including an X check character', () => {
    expect(checkIdNumber('130102196205120319')).toBe(true); // the platform simulator's 张建国
    expect(checkIdNumber('11010519491231002X')).toBe(true); // the GB 11643 example
    expect(checkIdNumber('11010519491231002x')).toBe(true);
    expect(idCheckChar('11010519491231002')).toBe('X');
    for (const c of Object.values(SAMPLE_CARDS)) expect(checkIdNumber(c.idNumber)).toBe(true);
  });

  it('rejects a wrong check digit, a wrong length and non-digits', () => {
    expect(checkIdNumber('130102196205120318')).toBe(false);
    expect(checkIdNumber('110105194912310021')).toBe(false);
    expect(checkIdNumber('13010219620512031')).toBe(false);
    expect(checkIdNumber('1301021962051203190')).toBe(false);
    expect(checkIdNumber('13010219620512031A')).toBe(false);
    expect(() => idCheckChar('abc')).toThrow(RangeError);
  });
});

describe('validateCard', () => {
  const codes = (c: Omit<IdCard, 'photo'>, today = '2026-11-22'): string[] => validateCard(c, today).map((p) => p.code);

  it('finds nothing wrong with valid cards (长期 never expires)', () => {
    expect(validateCard(zhang, '2026-11-22')).toEqual([]);
    expect(validateCard(zhang, '2099-01-01')).toEqual([]);
    expect(codes(SAMPLE_CARDS.wangHaoran, '2031-07-01')).toEqual([]); // last valid day
  });

  it('reports an expired card in English and Chinese', () => {
    const [p, ...rest] = validateCard(SAMPLE_CARDS.zhaoLiExpired, '2026-11-22');
    expect(rest).toEqual([]);
    expect(p).toEqual({
      code: 'expired',
      message: 'card expired on 2014-03-15',
      cashierMessage: '身份证已过期（有效期至2014-03-15），请使用有效证件',
    });
    expect(codes(SAMPLE_CARDS.wangHaoran, '2031-07-02')).toEqual(['expired']);
    expect(validateCard(SAMPLE_CARDS.zhaoLiExpired, new Date(2014, 2, 15, 23, 59))).toEqual([]);
  });

  it('reports a bad check digit, impossible or mismatched birth dates, bad or future validity', () => {
    expect(codes({ ...zhang, idNumber: '130102196205120318' })).toEqual(['bad_id_number']);
    expect(codes({ ...zhang, birthDate: '1962-02-30' })).toEqual(['bad_birth_date']);
    expect(codes({ ...zhang, birthDate: '2030-01-01' })).toEqual(['bad_birth_date']);
    expect(codes({ ...zhang, birthDate: '1962-05-13' })).toEqual(['birth_mismatch']);
    expect(codes({ ...zhang, validTo: '20xx' })).toEqual(['bad_validity']);
    expect(codes({ ...zhang, validFrom: '2027-01-01' })).toEqual(['not_yet_valid']);
    const msgs = validateCard({ ...zhang, idNumber: '130102196205120318' }, '2026-11-22');
    expect(msgs[0]?.cashierMessage).toBe('身份证号码校验失败，请重新读卡或使用有效证件');
    expect(msgs[0]?.message).not.toContain('1301'); // no personal data in log text
  });
});
