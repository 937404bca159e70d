// Fault injection turns into the client's typed errors; nothing crashes, state stays consistent.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PlatformError, PlatformHttpError, PlatformMalformedResponseError, PlatformNetworkError, PlatformTimeoutError } from '../errors.js';
import { saleInput, startTestEnv, type TestEnv } from '../test-support.js';
import { checkFaults, type MalformedKind } from './faults.js';
import { DRUG, seedPerson } from './seed.js';

let env: TestEnv;
beforeEach(async () => {
  env = await startTestEnv();
});
afterEach(async () => {
  await env.close();
});

const lookup = (c: ReturnType<TestEnv['client']>) => c.personInfo({ data: { mdtrt_cert_type: '01', mdtrt_cert_no: seedPerson('employee').token } });
const settlements = (): number => (env.sim.db.prepare('SELECT COUNT(*) AS n FROM settlements').get() as { n: number }).n;

async function failure(p: Promise<unknown>): Promise<PlatformError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PlatformError);
  return err as PlatformError;
}

describe('simulator faults', () => {
  it('5xx → PlatformHttpError (transient), nothing processed', async () => {
    const c = env.client();
    await c.signIn();
    env.sim.setFaults({ rate5xx: 1 });
    const err = await failure(c.settle(saleInput(seedPerson('employee'), [{ code: DRUG.amoxicillin, cnt: 8, amountFen: 500 }])));
    expect(err).toBeInstanceOf(PlatformHttpError);
    expect((err as PlatformHttpError).status).toBe(500);
    expect(err.transient).toBe(true);
    expect(settlements()).toBe(0);
  });

  it('timeouts → PlatformTimeoutError, nothing processed', async () => {
    const c = env.client({ timeoutMs: 300 });
    await c.signIn();
    env.sim.setFaults({ rateTimeout: 1 });
    const err = await failure(c.settle(saleInput(seedPerson('employee'), [{ code: DRUG.amoxicillin, cnt: 8, amountFen: 500 }])));
    expect(err).toBeInstanceOf(PlatformTimeoutError);
    expect(settlements()).toBe(0);
  });

  it('a held request is dropped after timeoutHoldMs', async () => {
    const c = env.client({ timeoutMs: 5000 });
    await c.signIn();
    env.sim.setFaults({ rateTimeout: 1, timeoutHoldMs: 100 });
    expect(await failure(lookup(c))).toBeInstanceOf(PlatformNetworkError);
  });

  for (const kind of ['html', 'not-envelope', 'truncated', 'empty'] as MalformedKind[]) {
    it(`malformed (${kind}) → PlatformMalformedResponseError`, async () => {
      const c = env.client();
      await c.signIn();
      env.sim.setFaults({ rateMalformed: 1, malformedKind: kind });
      expect(await failure(lookup(c))).toBeInstanceOf(PlatformMalformedResponseError);
    });
  }

  it('lost after commit → PlatformNetworkError, but the platform committed', async () => {
    const c = env.client();
    await c.signIn();
    env.sim.setFaults({ rateLostAfterCommit: 1 });
    const err = await failure(c.settle(saleInput(seedPerson('employee'), [{ code: DRUG.amoxicillin, cnt: 8, amountFen: 500 }])));
    expect(err).toBeInstanceOf(PlatformNetworkError);
    expect(settlements()).toBe(1);
  });

  it('latency delays the answer', async () => {
    const c = env.client();
    await c.signIn();
    env.sim.setFaults({ latencyMs: 150 });
    const t = Date.now();
    await lookup(c);
    expect(Date.now() - t).toBeGreaterThanOrEqual(140);
  });

  it('rates draw from the given random source', async () => {
    const c = env.client();
    await c.signIn();
    let r = 0.4;
    env.sim.setFaults({ rate5xx: 0.5, random: () => r });
    expect(await failure(lookup(c))).toBeInstanceOf(PlatformHttpError);
    r = 0.6;
    await expect(lookup(c)).resolves.toBeDefined();
  });

  it('close() does not wait for held requests', async () => {
    const c = env.client({ timeoutMs: 10_000 });
    await c.signIn();
    env.sim.setFaults({ rateTimeout: 1 });
    const pending = lookup(c).then(
      () => null,
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 100));
    const t = Date.now();
    await env.sim.close();
    expect(Date.now() - t).toBeLessThan(2000);
    expect(await pending).toBeInstanceOf(PlatformNetworkError);
  });

  it('rejects nonsense rates', () => {
    expect(() => checkFaults({ rate5xx: 2 })).toThrow(/rate5xx/);
    expect(() => checkFaults({ latencyMs: -1 })).toThrow(/latencyMs/);
  });
});
