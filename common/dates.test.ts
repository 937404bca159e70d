import { describe, expect, it } from 'vitest';
import { addDays, daysBetween, isBefore, isCalendarDate } from './dates.js';

describe('date helpers', () => {
  it('accepts only real calendar dates', () => {
    expect(isCalendarDate('2026-02-28')).toBe(true);
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2026-13-01')).toBe(false);
    expect(isCalendarDate('2026-1-01')).toBe(false);
  });

  it('adds days across month, year and leap-day boundaries', () => {
    expect(addDays('2026-11-01', 28)).toBe('2026-11-29');
    expect(addDays('2026-12-30', 3)).toBe('2027-01-02');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-11-29', -7)).toBe('2026-11-22');
  });

  it('counts and compares days', () => {
    expect(daysBetween('2026-01-01', '2026-12-31')).toBe(364);
    expect(daysBetween('2026-03-10', '2026-03-01')).toBe(-9);
    expect(isBefore('2026-11-14', '2026-11-15')).toBe(true);
    expect(isBefore('2026-11-15', '2026-11-15')).toBe(false);
    expect(isBefore('2027-01-01', '2026-12-31')).toBe(false);
  });

  it('rejects malformed input instead of guessing', () => {
    expect(() => addDays('2026/11/01', 1)).toThrow(RangeError);
    expect(() => addDays('2026-11-01', 1.5)).toThrow(RangeError);
    expect(() => isBefore('tomorrow', '2026-11-01')).toThrow(/YYYY-MM-DD/);
  });
});
