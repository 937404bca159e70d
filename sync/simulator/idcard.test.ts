import { describe, expect, it } from 'vitest';
import { ageOn, idCheckChar, isValidIdNumber, makeIdNumber } from '../../common/idnumber.js';
import { SEED_PERSONS } from './seed.js';

describe('GB 11643 ID numbers', () => {
  it('computes the ISO 7064 MOD 11-2 check character', () => {
    expect(idCheckChar('11010519491231002')).toBe('X'); // the standard's own example
    expect(makeIdNumber('440524', '18800101', '001')).toBe('440524188001010014');
    expect(isValidIdNumber('11010519491231002X')).toBe(true);
    expect(isValidIdNumber('110105194912310021')).toBe(false);
  });
  it('every seeded person has a valid 18-character ID and distinct credentials', () => {
    for (const p of SEED_PERSONS) {
      expect(p.certno).toHaveLength(18);
      expect(isValidIdNumber(p.certno)).toBe(true);
      expect(p.certno.slice(6, 14)).toBe(p.brdy.replaceAll('-', ''));
      expect(p.token).toMatch(/^EC[0-9A-F]{30}$/);
    }
    expect(new Set(SEED_PERSONS.map((p) => p.psnNo)).size).toBe(SEED_PERSONS.length);
    expect(SEED_PERSONS.length).toBeGreaterThanOrEqual(6);
  });
  it('computes age in whole years', () => {
    expect(ageOn('2004-06-15', '2026-11-22')).toBe(22);
    expect(ageOn('2004-11-23', '2026-11-22')).toBe(21);
    expect(ageOn('2004-11-22', '2026-11-22')).toBe(22);
  });
});
