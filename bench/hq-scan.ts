// scan_with_hq_check_latency (issue 17): the whole scan as a counter sees it — HTTP POST of the scan to the box, the
// box asking a real HQ (its own process) over loopback on a real PostgreSQL with a large code index, the rules and the
// SQLite write — against the same run's scan on a box without HQ (the baseline). Scans alternate between the two
// boxes in blocks so both see the same machine load.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningAgent, startAgent } from '../agent/app.js';
import { DEMO_PRODUCTS } from '../agent/demo/catalog.js';
import { createLogger } from '../agent/log.js';
import { parseConfig } from '../config/index.js';
import { createPool } from '../hq/app.js';
import { issueEnrolCode } from '../hq/enrolment.js';
import { startLocalPostgres } from '../hq/pg-local.js';
import { fillCodeIndex, startHqProcess } from './hq.js';
import { emit, median, note, nowNs, quantile } from './util.js';

export interface HqScanBenchOptions {
  scans: number;
  codes: number;
  timeoutMs: number;
}

const PRODUCT = DEMO_PRODUCTS.find((p) => !p.rx && !p.traceExempt && p.tracePrefix);
const STORE = 'P13010200001';
/** Lines per sale before the next sale opens (a large basket; checks grow with the sale's lines). */
const SALE_LINES = 10;
const BLOCK = 50;

async function startBox(dir: string, token: string, hqYaml: string): Promise<RunningAgent> {
  const config = parseConfig(
    `store: { code: ${STORE}, name: 基准药店, admdvs: "130102" }
platform: { simulator: true }
http: { host: 127.0.0.1, port: 0, apiTokens: [{ name: bench, role: manager, sha256: ${createHash('sha256').update(token).digest('hex')} }] }
dataDir: ${JSON.stringify(dir)}
log: { level: error }
${hqYaml}`,
    'bench',
  );
  return startAgent({ config, demo: false, log: createLogger('silent') });
}

export async function benchHqScan(opts: HqScanBenchOptions): Promise<void> {
  if (!PRODUCT?.tracePrefix) throw new Error('no OTC coded demo product');
  const prefix = PRODUCT.tracePrefix;
  const dir = mkdtempSync(join(tmpdir(), 'counter-bench-hq-scan-'));
  const pg = await startLocalPostgres({ settings: { shared_buffers: "'256MB'" } });
  const pool = createPool(pg.url, 2);
  const adminToken = randomBytes(16).toString('hex');
  const token = randomBytes(16).toString('hex');
  let hq: Awaited<ReturnType<typeof startHqProcess>> | undefined;
  const boxes: RunningAgent[] = [];
  try {
    hq = await startHqProcess(pg.url, createHash('sha256').update(adminToken).digest('hex'));
    const fillT = Date.now();
    const size = await fillCodeIndex(pool, opts.codes);
    note(`hq-scan: code index ${size.rows.toLocaleString('en-US')} rows in ${((Date.now() - fillT) / 1000).toFixed(0)} s`);
    const { code: enrol } = await issueEnrolCode(pool, STORE, '基准药店');
    const withHq = await startBox(join(dir, 'hq'), token, `hq: { url: ${JSON.stringify(hq.url)}, enrolmentCode: ${enrol}, checkTimeoutMs: ${opts.timeoutMs} }`);
    boxes.push(withHq);
    const without = await startBox(join(dir, 'plain'), token, '');
    boxes.push(without);

    const call = async (box: RunningAgent, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${box.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const codes = Array.from({ length: opts.scans }, (_, n) => `${prefix}${String(n + 1).padStart(13, '0')}`);
    for (const box of boxes) {
      const c = await call(box, 'POST', '/api/catalog', { products: DEMO_PRODUCTS });
      if (c.status !== 200) throw new Error(`catalog: ${JSON.stringify(c.json)}`);
      const r = await call(box, 'POST', '/api/receipts', {
        supplier: '供货商',
        invoiceNo: 'INV',
        deliveryNoteNo: 'DN',
        procurementOrderNo: 'CG202611000001',
        lines: [{ productId: PRODUCT.id, lot: 'L1', mfgDate: '2026-01-01', expiry: '2029-01-01', packs: codes.length, pricePerPack: 700, codes }],
      });
      if (r.status !== 201) throw new Error(`receipt: ${JSON.stringify(r.json)}`);
    }
    // The box with HQ has enrolled and replicated its receipt before the clock starts (its scans then find the codes in HQ's index).
    const end = Date.now() + 120_000;
    while ((withHq.hq?.status().lag ?? 1) > 0 || withHq.hq?.status().ackedSeq === 0) {
      if (Date.now() > end) throw new Error(`replication to HQ did not catch up: ${JSON.stringify(withHq.hq?.status())}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    const latencies = new Map<RunningAgent, number[]>(boxes.map((b) => [b, []]));
    const sales = new Map<RunningAgent, { id: number; lines: number }>();
    const scan = async (box: RunningAgent, code: string): Promise<void> => {
      let sale = sales.get(box);
      if (!sale || sale.lines >= SALE_LINES) {
        sale = { id: (await call(box, 'POST', '/api/sales', { counter: 'counter-1' })).json.id as number, lines: 0 };
        sales.set(box, sale);
      }
      const t = nowNs();
      const r = await call(box, 'POST', `/api/sales/${sale.id}/items`, { code });
      (latencies.get(box) as number[]).push((nowNs() - t) / 1e6);
      if (r.status !== 200) throw new Error(`scan ${code}: ${r.status} ${JSON.stringify(r.json)}`);
      sale.lines++;
    };
    for (let from = 0; from < codes.length; from += BLOCK) {
      for (const box of from % (2 * BLOCK) === 0 ? boxes : [...boxes].reverse()) {
        for (const code of codes.slice(from, from + BLOCK)) await scan(box, code);
      }
    }
    const unchecked = withHq.ledger.db.prepare("SELECT count(*) FROM sale_items WHERE chain_check = 'unchecked'").pluck().get() as number;
    const h = latencies.get(withHq) as number[];
    const b = latencies.get(without) as number[];
    note(`hq-scan: ${h.length} scans each; ${unchecked} unanswered within ${opts.timeoutMs} ms`);
    emit('scan_with_hq_check_latency', quantile(h, 0.99), 'ms', {
      n: h.length,
      p50: median(h),
      p99: quantile(h, 0.99),
      baseline_p50: median(b),
      baseline_p99: quantile(b, 0.99),
      ratio_p50: median(h) / median(b),
      ratio_p99: quantile(h, 0.99) / quantile(b, 0.99),
      unchecked,
      check_timeout_ms: opts.timeoutMs,
      index_rows: size.rows,
      loadavg_1m: loadavg()[0],
      measured: 'POST /api/sales/:id/items over loopback, the box asking HQ (own process, PostgreSQL) before the write; baseline: a box without HQ',
      target: '<= 20 ms p99',
      meets_target: quantile(h, 0.99) <= 20,
    });
  } finally {
    for (const box of boxes) await box.close().catch(() => undefined);
    await hq?.stop();
    await pool.end();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
