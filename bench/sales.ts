// sales_per_second: whole sales over HTTP (open, 3 items, identity, insurance settle) against the
// agent, with the platform simulator in its own process, several counters at once.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { startAgent } from '../agent/app.js';
import type { Product } from '../agent/catalog/product.js';
import { createLogger } from '../agent/log.js';
import { parseConfig } from '../config/index.js';
import { DRUG, SEED_PERSONS } from '../sync/simulator/seed.js';
import { startSimulatorProcess } from './simulator-process.js';
import { emit, median, note, nowNs, quantile } from './util.js';

const DRUGS = [DRUG.metformin, DRUG.amlodipine, DRUG.amoxicillin, DRUG.ibuprofen, DRUG.lianhua];

// No maximum daily dose: the bench sells to a few seeded persons many times, which the repeat-purchase
// rule would (rightly) refuse.
const products: Product[] = DRUGS.map((nhsaCode, i) => ({
  id: `S${i}`,
  name: `基准药${i}`,
  spec: '10片',
  manufacturer: '厂',
  approvalNo: `H${i}`,
  nhsaCode,
  tracePrefix: String(8_400_000 + i),
  rx: false,
  insured: true,
  category: 'drug',
  piecesPerPack: 10,
  pricePerPack: 1000 + i * 100,
}));

async function runClients(url: string, token: string, sales: number, counters: number, catalog: Product[]): Promise<number[]> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./sales-client.js', import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.end(
    JSON.stringify({ url, token, sales, counters, products: catalog.map((p) => ({ tracePrefix: p.tracePrefix })), persons: SEED_PERSONS.map((p) => p.token) }),
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`sales client exited with ${code}`);
  return JSON.parse(out) as number[];
}

/** Median time of a one-row commit with synchronous=FULL in WAL mode, as the ledger does it. */
function durableCommitMs(path: string): number {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (x INTEGER)');
  const insert = db.prepare('INSERT INTO t VALUES (?)');
  const times: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t = nowNs();
    insert.run(i);
    times.push((nowNs() - t) / 1e6);
  }
  db.close();
  return median(times);
}

export async function benchSales(sales: number, counters: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'counter-bench-sales-'));
  const token = randomBytes(16).toString('hex');
  const sim = await startSimulatorProcess(join(dir, 'sim.db'));
  const config = parseConfig(
    `store: { code: P13010200001, name: 基准药店, admdvs: "130102" }
platform: { url: ${JSON.stringify(sim.url)} }
http: { host: 127.0.0.1, port: 0, apiTokens: [{ name: bench, role: manager, sha256: ${createHash('sha256').update(token).digest('hex')} }] }
dataDir: ${JSON.stringify(dir)}
log: { level: error }`,
    'bench',
  );
  const agent = await startAgent({ config, demo: false, log: createLogger('silent') });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${agent.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  try {
    await call('POST', '/api/catalog', { products });
    const boxes = Math.ceil((sales * 3) / products.length) + 1;
    await call('POST', '/api/receipts', {
      supplier: '供货商',
      invoiceNo: 'INV',
      deliveryNoteNo: 'DN',
      procurementOrderNo: 'CG202611000001',
      lines: products.map((p) => ({
        productId: p.id,
        lot: 'L1',
        mfgDate: '2026-01-01',
        expiry: '2029-01-01',
        packs: boxes,
        pricePerPack: 700,
        codes: Array.from({ length: boxes }, (_, n) => `${p.tracePrefix as string}${String(n + 1).padStart(13, '0')}`),
      })),
    });
    // The counters run in their own process, as the counter PCs and POS front-ends do: the agent's
    // figure is then not charged with its clients' HTTP work.
    const t0 = nowNs();
    const latencies = await runClients(agent.url, token, sales, counters, products);
    const seconds = (nowNs() - t0) / 1e9;
    const commitMs = durableCommitMs(join(dir, 'fsync-probe.db'));
    note(`sales: ${sales} insurance sales in ${seconds.toFixed(2)} s with ${counters} counters`);
    emit('sales_per_second', sales / seconds, 'sales/s', {
      n: sales,
      counters,
      seconds,
      sale_ms_p50: median(latencies),
      sale_ms_p99: quantile(latencies, 0.99),
      steps: 'open, 3 items, identity (1101), insurance settle (2101 + 2102)',
      target: '>= 200 sales/s',
      meets_target: sales / seconds >= 200,
      // Baseline from the same disk in the same run: an insurance sale needs two durable commits by design
      // (the settling marker before 2102, the settled record after), each blocking the event loop this long.
      baseline: { durable_commit_ms_p50: commitMs, sales_per_second_bound_by_two_commits: 1000 / (2 * commitMs) },
    });
  } finally {
    await agent.close();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
