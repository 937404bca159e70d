// Shared by the HQ page tests: a real PostgreSQL and HQ, and two real demo boxes (the demo's catalogue, delivery and
// sales through the real checkout and the embedded platform simulator) replicating to it. Both demo boxes receive
// the same demo codes and sell to the same simulator buyers, so the chain sees one insured person at two stores on
// one day and the same code sold at two stores — the patterns the page's 自查 and 串货/重复 screens exist for.
import { expect } from 'vitest';
import { type RunningAgent, startAgent } from '../agent/app.js';
import { demoCode } from '../agent/demo/stock.js';
import { syncStatus } from '../agent/ledger/outbox-status.js';
import { simulatorDemoBuyers } from '../agent/platform.js';
import { shanghaiDate } from '../common/time.js';
import { parseConfig } from '../config/index.js';
import { STORE_MAIN, STORE_OTHER } from '../sync/simulator/seed.js';
import { silentLog, tempDir } from '../test/helpers.js';
import { issueEnrolCode } from './enrolment.js';
import { startTestHq, type TestHq } from './hq.test-helpers.js';
import { addUser, type HqRole } from './users.js';

export interface ChainStore {
  code: string;
  name: string;
  agent: RunningAgent;
}

export interface TestChain {
  t: TestHq;
  stores: ChainStore[];
  close(): Promise<void>;
}

// The simulator's two seeded stores (each with its procurement records, without which insurance is refused).
export const CHAIN_STORES = [
  { code: STORE_MAIN, name: '长安路店', admdvs: '130102' },
  { code: STORE_OTHER, name: '裕华路店', admdvs: '130108' },
] as const;

async function startBox(t: TestHq, code: string, name: string, admdvs: string): Promise<ChainStore & { cleanup(): void }> {
  const tmp = tempDir('hq-page-box-');
  const enrol = await issueEnrolCode(t.hq.pool, code, name);
  const config = parseConfig(
    `store: { code: ${code}, name: ${name}, admdvs: "${admdvs}", pharmacists: [{ name: 李药师, certNo: "ZY13010200001" }] }
platform: { simulator: true }
http: { host: 127.0.0.1, port: 0 }
dataDir: ${JSON.stringify(tmp.dir)}
hq: { url: ${t.hq.url}, enrolmentCode: ${enrol.code} }
`,
    'test',
  );
  const agent = await startAgent({ config, demo: true, log: silentLog() });
  try {
    await insuredSales(agent);
  } catch (err) {
    await agent.close();
    tmp.cleanup();
    throw err;
  }
  return { code, name, agent, cleanup: tmp.cleanup };
}

/**
 * The demo's two insurance sales (a chronic-disease sale on prescription, and a personal-account sale returned
 * afterwards), through the real checkout once the delivery's 3502 reached the simulator (the platform refuses
 * insurance for a drug without a purchase record; the demo's own seeding may run before that upload).
 */
async function insuredSales(agent: RunningAgent): Promise<void> {
  const end = Date.now() + 20_000;
  while (syncStatus(agent.ledger.db, new Date()).backlog > 0) {
    if (Date.now() > end) throw new Error('the demo box did not upload its delivery to the simulator in time');
    await new Promise((r) => setTimeout(r, 100));
  }
  const { checkout } = agent;
  const buyers = simulatorDemoBuyers();
  const sell = async (code: string, certno: string, disease?: string) => {
    const id = checkout.open('counter-1', 'test');
    const r = checkout.addItem(id, code);
    if (!r.ok) throw new Error(`scan ${code} refused: ${r.refused.map((x) => x.code).join(', ')}`);
    await checkout.setIdentity(id, '02', certno);
    if (disease)
      checkout.setPrescription(id, {
        rxNo: 'RX-HQ-0001',
        institutionCode: 'H13010200011',
        doctorName: '李医生',
        patientCertNo: certno,
        issuedAt: shanghaiDate(new Date()),
        signed: true,
      });
    await checkout.settle(id, 'insurance', disease, 'test');
    return id;
  };
  await sell(demoCode('8100002', 5), buyers.chronic.certno, buyers.chronic.diseaseCode);
  const refunded = await sell(demoCode('8100005', 5), buyers.refund.certno);
  await checkout.reverse(refunded, '测试：顾客退货', 'test');
}

/**
 * Every box's ledger at HQ, its codes checked against the other stores (recheck_from cleared: the check commits after
 * the batch, hq/ingest.ts, and writes the chain self-audit's SOLD_TWICE rows), and a heartbeat from each.
 */
export async function waitReplicated(t: TestHq, stores: readonly ChainStore[], timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    let done = true;
    for (const s of stores) {
      const local = s.agent.ledger.db.prepare('SELECT MAX(seq) FROM events').pluck().get() as number;
      const { rows } = await t.hq.pool.query<{ head_seq: number; local_seq: number | null; recheck_from: string | null }>(
        'SELECT s.head_seq, st.local_seq, s.recheck_from FROM stores s LEFT JOIN store_status st ON st.store_id = s.store_id WHERE s.store_id = $1',
        [s.code],
      );
      const r = rows[0];
      if (r?.head_seq !== local || r.recheck_from !== null || r.local_seq === null || r.local_seq === undefined) done = false;
    }
    if (done) return;
    if (Date.now() > end) throw new Error('the demo boxes did not replicate to HQ in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startChain(): Promise<TestChain> {
  const t = await startTestHq();
  const boxes: (ChainStore & { cleanup(): void })[] = [];
  try {
    for (const s of CHAIN_STORES) boxes.push(await startBox(t, s.code, s.name, s.admdvs));
    await waitReplicated(t, boxes);
  } catch (err) {
    for (const b of boxes) await b.agent.close().finally(b.cleanup);
    await t.close();
    throw err;
  }
  return {
    t,
    stores: boxes,
    async close() {
      for (const b of boxes) await b.agent.close().finally(b.cleanup);
      await t.close();
    },
  };
}

export const HQ_USERS = {
  admin: { username: 'zhao', displayName: '赵总', role: 'admin' as HqRole, password: 'admin-pass-123', stores: [] as string[] },
  regional: { username: 'qian', displayName: '钱经理', role: 'regional' as HqRole, password: 'region-pass-123', stores: [CHAIN_STORES[0].code] as string[] },
};

export async function addHqUsers(t: TestHq): Promise<void> {
  for (const u of Object.values(HQ_USERS)) await addUser(t.hq.pool, u);
}

/** Signs in through the API; the session cookie to send back. */
export async function hqSession(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/hq/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  expect(res.status).toBe(200);
  const cookie = res.headers.get('set-cookie') ?? '';
  expect(cookie).toMatch(/^hq_session=[^;]+; Path=\/hq; HttpOnly; SameSite=Strict/);
  return cookie.split(';')[0] as string;
}
