// `npm run demo:chain` (issue 17): the chain on one machine in a minute. A private PostgreSQL in a temp dir
// (hq/pg-local.ts), the HQ, and three demo stores (in-process boxes in demo mode: embedded platform simulator, demo
// catalogue, stock and accounts), each enrolled with a one-time code and replicating to HQ; a small generator sells a
// box at a random store every few seconds; then one box sold at 一号店 is scanned at 二号店 and refused with
// TRACE_CODE_SOLD_IN_CHAIN. Ctrl-C stops everything and removes the temp dirs.
// Env: DEMO_CHAIN_PORT (first store's port, default 8081; 0 = any), DEMO_CHAIN_HQ_PORT (default 8440; 0 = any),
// DEMO_CHAIN_EXIT_AFTER_DUPLICATE=1 (stop once the duplicate is refused: the test's short form).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shanghaiDate } from '../../common/time.js';
import { parseConfig } from '../../config/index.js';
import { type RunningHq, startHq } from '../../hq/app.js';
import { issueEnrolCode } from '../../hq/enrolment.js';
import { type LocalPostgres, startLocalPostgres } from '../../hq/pg-local.js';
import { type RunningAgent, startAgent } from '../app.js';
import { DEMO_PRODUCTS } from '../demo/catalog.js';
import { demoCode, demoReceipt } from '../demo/stock.js';
import { createLogger } from '../log.js';

const STORES = [
  { code: 'H13010300001', name: '一号店' },
  { code: 'H13010300002', name: '二号店' },
  { code: 'H13010300003', name: '三号店' },
] as const;
/** Over-the-counter coded demo drugs: a self-pay sale needs no prescription, identity or pharmacist. */
const OTC = DEMO_PRODUCTS.filter((p) => !p.rx && !p.traceExempt && p.tracePrefix);
const SELL_EVERY_MS = 3000;
/** Each store's own boxes for the generator: serials store × 100000 + n, so no two stores hold the same code. */
const BOXES_PER_PRODUCT = 100;

const say = (line: string): void => void process.stdout.write(`${line}\n`);
const envPort = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v === undefined || v === '' ? fallback : Number(v);
};

interface Store {
  code: string;
  name: string;
  agent: RunningAgent;
  serials: Map<string, number>;
}

async function api(store: Store, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${store.agent.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${store.agent.demoToken}` },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** One self-pay sale of one box over the box's own HTTP API, as a counter would. */
async function sellOne(store: Store, code: string): Promise<{ ok: boolean; refused?: { code: string; message: string }[] }> {
  const opened = await api(store, 'POST', '/api/sales', { counter: 'counter-1' });
  const id = opened.body.id as number;
  const scanned = await api(store, 'POST', `/api/sales/${id}/items`, { code });
  if (scanned.status !== 200) return { ok: false, refused: scanned.body.refused as { code: string; message: string }[] };
  const settled = await api(store, 'POST', `/api/sales/${id}/settle`, { payment: 'self_pay' });
  return settled.status === 200 ? { ok: true } : { ok: false, refused: settled.body.refused as { code: string; message: string }[] };
}

async function main(): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), 'counter-agent-demo-chain-'));
  const stores: Store[] = [];
  let pg: LocalPostgres | undefined;
  let hq: RunningHq | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      clearInterval(timer);
      for (const s of stores.reverse()) await s.agent.close().catch(() => undefined);
      await hq?.close().catch(() => undefined);
      await pg?.stop().catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
      say(`demo:chain stopped; removed ${root}${pg ? ` and ${pg.dir}` : ''}`);
    })());
  const interrupted = new Promise<number>((resolve) => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void stop().then(() => resolve(0)));
  });

  try {
    say('demo:chain: starting PostgreSQL in a temp dir…');
    pg = await startLocalPostgres({ settings: { fsync: 'off', synchronous_commit: 'off' } });
    const adminToken = randomBytes(16).toString('hex');
    hq = await startHq({
      databaseUrl: pg.url,
      host: '127.0.0.1',
      port: envPort('DEMO_CHAIN_HQ_PORT', 8440),
      adminTokenSha256: [createHash('sha256').update(adminToken).digest('hex')],
    });
    const firstPort = envPort('DEMO_CHAIN_PORT', 8081);
    // The boxes log warnings only (late chain hits among them); the demo prints its own story.
    const log = createLogger(process.env.DEMO_CHAIN_LOG ?? 'warn');
    for (const [i, s] of STORES.entries()) {
      const { code: enrol } = await issueEnrolCode(hq.pool, s.code, s.name);
      const dataDir = join(root, s.code);
      const config = parseConfig(
        `store: { code: ${s.code}, name: ${s.name}, admdvs: "130103", pharmacists: [{ name: 王药师, certNo: "ZY1301030000${i + 1}" }] }
platform: { simulator: true }
http: { host: 127.0.0.1, port: ${firstPort === 0 ? 0 : firstPort + i} }
dataDir: ${JSON.stringify(dataDir)}
hq: { url: ${JSON.stringify(hq.url)}, enrolmentCode: ${JSON.stringify(enrol)}, checkTimeoutMs: 150 }
`,
        `demo:chain ${s.name}`,
      );
      const agent = await startAgent({ config, demo: true, demoSales: false, log });
      const store: Store = { code: s.code, name: s.name, agent, serials: new Map() };
      stores.push(store);
      // Every store got the same demo delivery (serials 1–10): a box of it sold at one store is the duplicate.
      // The generator sells from each store's own delivery, so the only cross-store duplicate is the staged one.
      const own = demoReceipt(shanghaiDate(new Date()));
      own.deliveryNoteNo = `SH-DEMO-${s.code.slice(-3)}`;
      own.invoiceNo = `1301234567890123${s.code.slice(-4)}`;
      own.lines = own.lines
        .filter((l) => OTC.some((p) => p.id === l.productId))
        .map((l) => {
          const p = OTC.find((x) => x.id === l.productId);
          const codes = Array.from({ length: BOXES_PER_PRODUCT }, (_, n) => demoCode(p?.tracePrefix as string, (i + 1) * 100_000 + n + 1));
          return { ...l, packs: codes.length, codes };
        });
      const r = await api(store, 'POST', '/api/receipts', own);
      if (r.status !== 201) throw new Error(`${s.name}: demo delivery refused: ${JSON.stringify(r.body)}`);
    }

    say('');
    say(`  HQ:        ${hq.url}   admin token: ${adminToken}`);
    say(`             curl -H "Authorization: Bearer ${adminToken}" ${hq.url}/hq/v1/stores`);
    for (const s of stores) {
      const acc = s.agent.demoAccounts;
      say(`  ${s.name} ${s.code}: counter ${s.agent.url}/counter   manager ${s.agent.url}/manager`);
      if (acc) say(`             sign in: ${acc.manager.username} / ${acc.manager.password}   cashier ${acc.cashier.username} PIN ${acc.cashier.pin}`);
    }
    say('  Sales flow every few seconds; Ctrl-C stops everything and removes the temp dirs.');
    say('');

    // The generator: a box at a random store every few seconds.
    let n = 0;
    timer = setInterval(() => {
      const store = stores[n++ % stores.length] as Store;
      const product = OTC[n % OTC.length];
      if (!product?.tracePrefix) return;
      const next = (store.serials.get(product.id) ?? 0) + 1;
      if (next > BOXES_PER_PRODUCT) return;
      store.serials.set(product.id, next);
      const code = demoCode(product.tracePrefix, (stores.indexOf(store) + 1) * 100_000 + next);
      void sellOne(store, code)
        .then((r) => say(`  ${store.name} sold ${product.name} ${code}${r.ok ? '' : ` — refused: ${r.refused?.map((x) => x.code).join(', ')}`}`))
        .catch(() => undefined);
    }, SELL_EVERY_MS);

    // The staged duplicate: a box from the shared demo delivery, sold at 一号店, then scanned at 二号店.
    const [first, second] = stores as [Store, Store];
    const dup = demoCode(OTC[0]?.tracePrefix as string, 1);
    const sold = await sellOne(first, dup);
    if (!sold.ok) throw new Error(`${first.name} could not sell ${dup}: ${JSON.stringify(sold.refused)}`);
    say(`  ${first.name} sold ${dup}; waiting for HQ to have it…`);
    const end = Date.now() + 60_000;
    for (;;) {
      const { rows } = await hq.pool.query('SELECT 1 FROM trace_codes WHERE code = $1 AND store_id = $2 AND pieces_out > 0', [dup, first.code]);
      if (rows.length > 0) break;
      if (Date.now() > end) throw new Error(`HQ did not receive ${first.name}'s sale of ${dup} within 60 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const again = await sellOne(second, dup);
    const refusal = again.refused?.find((r) => r.code === 'TRACE_CODE_SOLD_IN_CHAIN');
    if (!refusal) throw new Error(`${second.name} did not refuse ${dup}: ${JSON.stringify(again)}`);
    say(`  ${second.name} scanned ${dup}: refused TRACE_CODE_SOLD_IN_CHAIN — ${refusal.message}`);
    say(`  (the refusal is on ${second.name}'s counter page, counter-1: ${second.agent.url}/counter)`);

    if (process.env.DEMO_CHAIN_EXIT_AFTER_DUPLICATE === '1') {
      await stop();
      return 0;
    }
    return await interrupted;
  } catch (err) {
    process.stderr.write(`demo:chain failed: ${(err as Error).message}\n`);
    await stop();
    return 1;
  }
}

process.exitCode = await main();
// The boxes' and HQ's timers are closed by stop(); anything left (a pg pool's idle socket) must not keep the demo alive.
setTimeout(() => process.exit(), 2000).unref();
