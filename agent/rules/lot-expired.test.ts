import { describe, expect, it } from 'vitest';
import { item, lot, scanCtx, settleCtx } from './fixtures.test-helpers.js';
import { lotExpiredAtScan, lotExpiredAtSettle } from './lot-expired.js';

describe('LOT_EXPIRED at scan', () => {
  it('refuses a lot whose expiry is before today', () => {
    const r = lotExpiredAtScan(scanCtx({ today: '2026-11-15', lot: lot({ expiry: '2026-11-14' }) }));
    expect(r).toEqual([{ code: 'LOT_EXPIRED', message: expect.stringMatching(/已过期.*不得销售：请下架/) }]);
    expect(r[0]?.message).toContain('阿莫西林胶囊');
  });

  it('sells a lot on its expiry date', () => {
    expect(lotExpiredAtScan(scanCtx({ today: '2026-11-15', lot: lot({ expiry: '2026-11-15' }) }))).toEqual([]);
  });

  it('says nothing without a lot or for an invalid scan', () => {
    expect(lotExpiredAtScan(scanCtx({ lot: undefined }))).toEqual([]);
    expect(lotExpiredAtScan(scanCtx({ scan: { kind: 'invalid', message: 'x' }, lot: lot({ expiry: '2020-01-01' }) }))).toEqual([]);
  });
});

describe('LOT_EXPIRED at settlement', () => {
  it('refuses each item whose lot expired since it was scanned (sale open over midnight)', () => {
    const ctx = settleCtx({
      today: '2026-12-01',
      items: [
        item({ itemId: 1, lot: lot({ expiry: '2026-11-30' }) }),
        item({ itemId: 2, lot: lot({ expiry: '2026-12-01' }) }),
        item({ itemId: 3, lot: undefined }),
      ],
    });
    expect(lotExpiredAtSettle(ctx)).toEqual([{ code: 'LOT_EXPIRED', message: expect.stringContaining('布洛芬缓释胶囊'), itemId: 1 }]);
  });

  it('applies to self-pay sales as well', () => {
    const ctx = settleCtx({ payment: 'self_pay', today: '2027-01-01', items: [item({ lot: lot({ expiry: '2026-12-31' }) })] });
    expect(lotExpiredAtSettle(ctx)).toHaveLength(1);
  });
});
