// The whole box with an hq section: enrols at start, replicates what the API writes, and verify-ledger --anchor
// agrees with HQ. Real PostgreSQL, real HQ, real box over HTTP.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAgent, startAgent } from '../../agent/app.js';
import { runCli } from '../../agent/cli/main.js';
import { issueEnrolCode } from '../../hq/enrolment.js';
import { startTestHq, type TestHq } from '../../hq/hq.test-helpers.js';
import { AMOX, HERB, IBU, receipt } from '../../test/fixtures.js';
import { silentLog, TOKENS, tempDir, testConfig } from '../../test/helpers.js';

let t: TestHq;
let agent: RunningAgent | undefined;
let tmp: { dir: string; cleanup: () => void };
beforeAll(async () => {
  t = await startTestHq();
  tmp = tempDir();
}, 120_000);
afterAll(async () => {
  await agent?.close();
  await t?.close();
  tmp?.cleanup();
});

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${agent?.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.manager}` },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function hqHead(store: string): Promise<number> {
  const { rows } = await t.hq.pool.query<{ head_seq: number }>('SELECT head_seq FROM stores WHERE store_id = $1', [store]);
  return rows[0]?.head_seq ?? 0;
}

describe('a box with hq configured', () => {
  it('enrols at start, replicates its ledger as it is written, and anchors against HQ', async () => {
    const store = 'P13010200001'; // testConfig's store.code
    const { code } = await issueEnrolCode(t.hq.pool, store, '测试药店');
    const hqYaml = `hq:\n  url: ${t.hq.url}\n  enrolmentCode: ${code}\n`;
    // The fixtures' lots are dated for this day (as in the API tests).
    agent = await startAgent({ config: testConfig(tmp.dir, hqYaml), demo: false, log: silentLog(), clock: () => new Date('2026-11-22T02:00:00Z') });
    expect((await api('POST', '/api/catalog', { products: [AMOX, IBU, HERB] })).status).toBe(200);
    expect((await api('POST', '/api/receipts', receipt())).status).toBe(201);
    const local = () => agent?.ledger.db.prepare('SELECT MAX(seq) FROM events').pluck().get() as number;
    const end = Date.now() + 20_000;
    while ((await hqHead(store)) < local() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(await hqHead(store)).toBe(local());
    expect(agent.hq?.status()).toMatchObject({ lag: 0, lastError: null });
    // The received codes are in the chain-wide index.
    const { rows } = await t.hq.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM trace_codes WHERE store_id = $1 AND received_at IS NOT NULL', [
      store,
    ]);
    expect(rows[0]?.n).toBeGreaterThan(0);

    const configFile = join(tmp.dir, 'config.yaml');
    writeFileSync(
      configFile,
      `store: { code: ${store}, name: 测试药店, admdvs: "130102" }\nplatform: { simulator: true }\ndataDir: ${JSON.stringify(tmp.dir)}\n${hqYaml}`,
    );
    const out: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l) };
    expect(await runCli(['verify-ledger', '--anchor', '--config', configFile], io)).toBe(0);
    expect(out.join('\n')).toMatch(/anchor .*: OK — matches HQ's copy up to seq \d+/);
  });
});
