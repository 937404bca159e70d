import { describe, expect, it } from 'vitest';
import { daysOf, PeriodError, parseCount, parsePeriod } from './period.js';
import { lotValueFen } from './stock-value.js';

// 2026-11-22 01:30 in Shanghai is still 2026-11-21 in UTC.
const now = new Date('2026-11-21T17:30:00Z');

describe('report periods (Shanghai days, inclusive)', () => {
  it('defaults to the last 7 days ending today in Shanghai', () => {
    const p = parsePeriod({}, now);
    expect(p).toEqual({ from: '2026-11-16', to: '2026-11-22', startIso: '2026-11-15T16:00:00.000Z', endIso: '2026-11-22T16:00:00.000Z', toIsToday: true });
    expect(daysOf(p)).toHaveLength(7);
  });

  it('takes from/to; a period ending before today is not today', () => {
    expect(parsePeriod({ from: '2026-11-01', to: '2026-11-01' }, now)).toMatchObject({
      startIso: '2026-10-31T16:00:00.000Z',
      endIso: '2026-11-01T16:00:00.000Z',
      toIsToday: false,
    });
    expect(parsePeriod({ to: '2026-12-01' }, now)).toMatchObject({ from: '2026-11-25', toIsToday: true });
  });

  it('refuses impossible dates, reversed and overlong periods with a Chinese message', () => {
    for (const q of [{ from: '2026-02-30' }, { to: '2026/11/22' }, { from: '2026-11-23', to: '2026-11-22' }, { from: '2025-01-01', to: '2026-11-22' }]) {
      expect(() => parsePeriod(q, now)).toThrow(PeriodError);
      try {
        parsePeriod(q, now);
      } catch (err) {
        expect((err as Error).message).toMatch(/[\u4e00-\u9fff]/);
      }
    }
  });

  it('parses counts within their range only', () => {
    expect(parseCount('limit', undefined, 200, 1, 1000)).toBe(200);
    expect(parseCount('limit', '5', 200, 1, 1000)).toBe(5);
    for (const bad of ['0', '1001', '-1', '2.5', 'x']) expect(() => parseCount('limit', bad, 200, 1, 1000)).toThrow(PeriodError);
  });
});

describe('stock value of a lot', () => {
  it('is pieces at the pack price, rounded half up to the fen for split packs', () => {
    expect(lotValueFen(24, 1000, 24)).toBe(1000);
    expect(lotValueFen(48, 1000, 24)).toBe(2000);
    expect(lotValueFen(1, 1000, 24)).toBe(42); // 41.67
    expect(lotValueFen(1, 1000, 16)).toBe(63); // 62.5 rounds up
    expect(lotValueFen(0, 1000, 24)).toBe(0);
  });
});
