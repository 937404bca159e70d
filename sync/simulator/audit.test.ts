// The nightly audit's 疑点, pulled with 3601.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PlatformRejectedError } from '../errors.js';
import { saleInput, startTestEnv, type TestEnv } from '../test-support.js';
import { DRUG, STORE_OTHER, seedPerson } from './seed.js';

let env: TestEnv;
beforeEach(async () => {
  env = await startTestEnv({ time: '2026-11-22T01:00:00Z' }); // 09:00 Shanghai
});
afterEach(async () => {
  await env.close();
});

const small = (who: string, amountFen = 500) => saleInput(seedPerson(who), [{ code: DRUG.lianhua, cnt: 12, amountFen }], { acct: false });

async function daySales(): Promise<void> {
  const c = env.client();
  // 09:00–09:08: five different people within ten minutes.
  for (const who of ['hypertension', 'diabetes', 'lowBalance', 'both', 'resident']) {
    await c.settle(small(who));
    env.clock.advance(2 * 60_000);
  }
  env.clock.advance(60 * 60_000);
  // One person three times; the 22-year-old twice; one large settlement.
  for (let i = 0; i < 3; i++) await c.settle(small('employee'));
  env.clock.advance(60 * 60_000);
  await c.settle(small('young'));
  env.clock.advance(60 * 60_000);
  await c.settle(small('young'));
  await c.settle(saleInput(seedPerson('youngAdult'), [{ code: DRUG.amoxicillin, cnt: 24, amountFen: 100_000 }], { acct: false }));
}

describe('nightly audit', () => {
  it('produces each rule’s items for the store that settled, pullable with 3601', async () => {
    await daySales();
    const n = env.sim.runNightlyAudit('2026-11-22');
    const { output } = await env.client().pullSuspiciousItems('2026-11-22');
    expect(output.items).toHaveLength(n);
    const byRule = new Map(output.items.map((i) => [i.rule, i]));
    expect([...byRule.keys()].sort()).toEqual(['LARGE_AMOUNT', 'MULTI_PERSON_BURST', 'PERSON_FREQUENT', 'YOUNG_FREQUENT']);
    expect(byRule.get('MULTI_PERSON_BURST')!.detail).toContain('5名不同参保人');
    expect(byRule.get('PERSON_FREQUENT')!.psn_no).toBe(seedPerson('employee').psnNo);
    expect(byRule.get('YOUNG_FREQUENT')!.psn_no).toBe(seedPerson('young').psnNo);
    expect(byRule.get('YOUNG_FREQUENT')!.detail).toContain('22岁');
    expect(byRule.get('LARGE_AMOUNT')!.amount).toBe('1000.00');
    expect(byRule.get('LARGE_AMOUNT')!.rule_name).toBe('单笔大额结算');
    for (const it of output.items) expect(it.item_id).toMatch(/^YD20261122\d{6}$/);

    // Another store sees none of them; re-running adds nothing.
    expect((await env.client({ store: STORE_OTHER }).pullSuspiciousItems('2026-11-22')).output.items).toEqual([]);
    expect(env.sim.runNightlyAudit('2026-11-22')).toBe(n);
  });

  it('does not flag four people, two settlements, or 999.99 yuan', async () => {
    const c = env.client();
    for (const who of ['hypertension', 'diabetes', 'lowBalance', 'both']) await c.settle(small(who));
    env.clock.advance(11 * 60_000); // a fifth person, but outside the ten minutes
    await c.settle(small('employee'));
    await c.settle(small('employee'));
    env.clock.advance(11 * 60_000);
    await c.settle(small('resident', 99_999));
    expect(env.sim.runNightlyAudit('2026-11-22')).toBe(0);
  });

  it('ignores reversed settlements', async () => {
    const c = env.client();
    const p = seedPerson('employee');
    for (let i = 0; i < 3; i++) {
      const { output } = await c.settle(small('employee'));
      if (i === 0) await c.reverseSettlement({ data: { setl_id: output.setlinfo.setl_id, mdtrt_id: output.setlinfo.mdtrt_id, psn_no: p.psnNo } });
    }
    expect(env.sim.runNightlyAudit('2026-11-22')).toBe(0);
  });

  it('a past day is audited on first pull', async () => {
    await daySales();
    env.clock.advance(24 * 3600_000);
    const { output } = await env.client().pullSuspiciousItems('2026-11-22');
    expect(output.items.length).toBeGreaterThanOrEqual(4);
  });

  it('refuses pulling another store’s items', async () => {
    const c = env.client();
    const err = await c.call('3601', { data: { fixmedins_code: STORE_OTHER, audit_date: '2026-11-22' } }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PlatformRejectedError);
    expect((err as PlatformRejectedError).errMsg).toContain('其他定点机构');
  });
});
