import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelayMs, backoffPolicy } from './backoff.js';

describe('backoffDelayMs', () => {
  it('doubles from the initial delay up to the cap', () => {
    const p = { initialMs: 500, maxMs: 5000 };
    expect([0, 1, 2, 3, 4, 5, 40].map((n) => backoffDelayMs(n, p))).toEqual([500, 1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it('with jitter: a uniform draw below the ceiling, never under half the initial delay', () => {
    const p = { initialMs: 1000, maxMs: 300_000 };
    expect(backoffDelayMs(3, p, () => 0.5)).toBe(4000); // ceiling 8000
    expect(backoffDelayMs(3, p, () => 0)).toBe(500);
    expect(backoffDelayMs(3, p, () => 0.999999)).toBe(7999);
    expect(backoffDelayMs(1_000, p, () => 0.5)).toBe(150_000); // days of retries stay finite and capped
  });
});

describe('Backoff', () => {
  it('counts retries, shows the next delay, and starts over after reset()', () => {
    const b = new Backoff({ initialMs: 40, maxMs: 160 });
    expect(b.delayMs).toBe(40);
    expect([b.next(), b.next(), b.next(), b.next()]).toEqual([40, 80, 160, 160]);
    expect(b.delayMs).toBe(160);
    b.reset();
    expect(b.delayMs).toBe(40);
  });
});

describe('backoffPolicy', () => {
  it('fills what is not given from the defaults', () => {
    expect(backoffPolicy({ initialMs: 200 }, { initialMs: 1000, maxMs: 30_000 })).toEqual({ initialMs: 200, maxMs: 30_000 });
    expect(backoffPolicy(undefined, { initialMs: 1000, maxMs: 30_000 })).toEqual({ initialMs: 1000, maxMs: 30_000 });
  });
});
