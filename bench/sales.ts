// sales_per_second: whole sales over HTTP (open, 3 items, identity, insurance settle) against the
// agent, with the platform simulator in its own process, several counters at once.

import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  id: `S${i}`, name: `基准药${i}`, spec: '10片', manufacturer: '厂', approvalNo: `H${i}`, nhsaCode, tracePrefix: String(8_400_000 + i),
  rx: false, insured: true, category: 'drug', piecesPerPack: 10, pricePerPack: 1000 + i * 100,
}));

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
      supplier: '供货商', invoiceNo: 'INV', deliveryNoteNo: 'DN', procurementOrderNo: 'CG202611000001',
      lines: products.map((p) => ({
        productId: p.id, lot: 'L1', mfgDate: '2026-01-01', expiry: '2029-01-01', packs: boxes, pricePerPack: 700,
        codes: Array.from({ length: boxes }, (_, n) => `${p.tracePrefix as string}${String(n + 1).padStart(13, '0')}`),
      })),
    });
    let next = 0;
    const latencies: number[] = [];
    const one = async (n: number) => {
      const t = nowNs();
      const { id } = (await call('POST', '/api/sales', { counter: `counter-${n % counters}` })) as { id: number };
      for (let k = 0; k < 3; k++) {
        const box = 3 * n + k;
        const p = products[box % products.length] as Product;
        await call('POST', `/api/sales/${id}/items`, { code: `${p.tracePrefix as string}${String(Math.floor(box / products.length) + 1).padStart(13, '0')}` });
      }
      const person = SEED_PERSONS[n % SEED_PERSONS.length]!;
      await call('PUT', `/api/sales/${id}/identity`, { certType: '01', certNo: person.token });
      await call('POST', `/api/sales/${id}/settle`, { payment: 'insurance' });
      latencies.push((nowNs() - t) / 1e6);
    };
    const t0 = nowNs();
    await Promise.all(
      Array.from({ length: counters }, async () => {
        while (next < sales) await one(next++);
      }),
    );
    const seconds = (nowNs() - t0) / 1e9;
    note(`sales: ${sales} insurance sales in ${seconds.toFixed(2)} s with ${counters} counters`);
    emit('sales_per_second', sales / seconds, 'sales/s', {
      n: sales, counters, seconds, sale_ms_p50: median(latencies), sale_ms_p99: quantile(latencies, 0.99),
      steps: 'open, 3 items, identity (1101), insurance settle (2101 + 2102)', target: '>= 200 sales/s', meets_target: sales / seconds >= 200,
    });
  } finally {
    await agent.close();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
