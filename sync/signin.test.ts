// Lazy daily sign-in (9001) and the single re-sign-in after the platform refuses a sign_no.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildRequestEnvelope } from './envelope.js';
import { PlatformSignInRejectedError } from './errors.js';
import { DRUG, seedPerson } from './simulator/seed.js';
import { balanceOf, saleInput, startTestEnv, type TestEnv } from './test-support.js';

let env: TestEnv;
beforeEach(async () => {
  env = await startTestEnv({ time: '2026-11-22T15:30:00Z' }); // 23:30 Shanghai
});
afterEach(async () => {
  await env.close();
});

const signIns = (): { sign_no: string; sign_date: string }[] =>
  env.sim.db.prepare('SELECT sign_no, sign_date FROM sign_ins ORDER BY signed_at, sign_no').all() as { sign_no: string; sign_date: string }[];
const settlements = (): number => (env.sim.db.prepare('SELECT COUNT(*) AS n FROM settlements').get() as { n: number }).n;
const lookup = (c: ReturnType<TestEnv['client']>) => c.personInfo({ data: { mdtrt_cert_type: '01', mdtrt_cert_no: seedPerson('young').token } });

describe('daily sign-in', () => {
  it('signs in once per Asia/Shanghai day, lazily, shared by concurrent calls', async () => {
    const c = env.client();
    expect(c.signNo).toBeUndefined();
    expect(signIns()).toHaveLength(0);
    await Promise.all([lookup(c), lookup(c), lookup(c)]);
    await lookup(c);
    expect(signIns()).toHaveLength(1);
    expect(signIns()[0]!.sign_date).toBe('2026-11-22');
    expect(c.signNo).toBe(signIns()[0]!.sign_no);

    env.clock.advance(20 * 60_000); // 23:50 — same day
    await lookup(c);
    expect(signIns()).toHaveLength(1);

    env.clock.advance(20 * 60_000); // 00:10 next day in Shanghai (still 2026-11-22 in UTC)
    expect(c.signNo).toBeUndefined();
    await lookup(c);
    expect(signIns()).toHaveLength(2);
    expect(signIns()[1]!.sign_date).toBe('2026-11-23');
  });

  it('the platform refuses yesterday’s sign_no with -2', async () => {
    const c = env.client();
    await c.signIn();
    const stale = c.signNo!;
    env.clock.advance(60 * 60_000);
    const body = buildRequestEnvelope(
      {
        fixmedinsCode: 'P13010200001',
        fixmedinsName: 'x',
        mdtrtareaAdmvs: '130102',
        insuplcAdmdvs: '130102',
        recerSysCode: 'T',
        devNo: 'D',
        operator: { code: 'O', name: 'N' },
      },
      { infno: '1101', msgid: c.nextMsgid(), signNo: stale, input: { data: { mdtrt_cert_type: '01', mdtrt_cert_no: 'x' } }, now: env.clock.now() },
    );
    const res = await fetch(env.sim.url, { method: 'POST', body: JSON.stringify(body) });
    const json = (await res.json()) as { infcode: number; err_msg: string };
    expect(json.infcode).toBe(-2);
    expect(json.err_msg).toContain('签到编号无效');
  });

  it('after -2 it signs in again once and repeats an ordinary call', async () => {
    const c = env.client();
    await lookup(c);
    const first = c.signNo;
    env.sim.invalidateSignIns();
    const { output } = await lookup(c);
    expect(output.baseinfo.psn_no).toBe(seedPerson('young').psnNo);
    expect(signIns()).toHaveLength(2);
    expect(c.signNo).not.toBe(first);
  });

  it('never repeats a 2102 by itself after -2: throws, charges nothing, next call works', async () => {
    const c = env.client();
    const p = seedPerson('hypertension');
    await c.signIn();
    env.sim.invalidateSignIns();
    const input = saleInput(p, [{ code: DRUG.amlodipine, cnt: 7, amountFen: 2450 }]);
    const err = await c.settle(input).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PlatformSignInRejectedError);
    expect((err as PlatformSignInRejectedError).infcode).toBe(-2);
    expect((err as PlatformSignInRejectedError).errMsg).toContain('签到');
    expect(settlements()).toBe(0);
    expect(balanceOf(env.sim, p.psnNo)).toBe(286_050);
    expect(signIns()).toHaveLength(1); // no silent re-sign-in-and-repeat happened
    // The caller decides to try again: a fresh sign-in happens and the settlement goes through once.
    await c.settle(input);
    expect(signIns()).toHaveLength(2);
    expect(settlements()).toBe(1);
  });

  it('never repeats a 2601 by itself after -2', async () => {
    const c = env.client();
    await c.signIn();
    env.sim.invalidateSignIns();
    const err = await c.reverseByMsgid({ data: { psn_no: 'x', omsgid: c.nextMsgid(), oinfno: '2102' } }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PlatformSignInRejectedError);
  });
});
