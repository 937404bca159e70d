// The demo's sample sales, seen the way a new user sees them: a demo start on a fresh data folder, the manager's
// API (sales list, sale detail, reconciliation, sync) and the embedded simulator's own records.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { shanghaiDate } from '../../common/time.js';
import { seedPerson } from '../../sync/simulator/seed.js';
import { countUploads } from '../../sync/simulator/uploads.js';
import { TOKENS, tempDir, testConfig } from '../../test/helpers.js';
import { startAgent } from '../app.js';
import { createLogger } from '../log.js';
import { simulatorDemoBuyers } from '../platform.js';
import { apiClient, outboxDrained as drained } from '../web/sales.test-helpers.js';
import { seedDemoSales } from './sales.js';

type Json = Record<string, unknown>;

/** A logger whose JSON lines the test can read. */
function capturingLog() {
  const lines: Json[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Json);
      cb();
    },
  });
  return { log: createLogger('info', stream), lines, find: (msg: string) => lines.filter((l) => l.msg === msg) };
}

interface ListedSale {
  id: number;
  status: string;
  payment: string | null;
  person: { name: string } | null;
  refusals: number;
  totalFen: number;
  fundFen: number;
  accountFen: number;
  cashFen: number;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(dir: string, demo = true) {
  const cap = capturingLog();
  const agent = await startAgent({ config: testConfig(dir), demo, log: cap.log });
  cleanups.push(() => agent.close());
  return { agent, api: apiClient(agent.url), ...cap };
}

describe('demo sample sales', () => {
  it('a fresh demo start records them through checkout, quickly; a second start adds none; the README walk-through still works', async () => {
    const tmp = tempDir('counter-agent-demo-sales-');
    cleanups.push(tmp.cleanup);
    const first = await start(tmp.dir);
    const today = shanghaiDate(new Date());

    const recorded = first.find('demo sample sales recorded');
    expect(first.find('demo sample sales not recorded; the demo starts without them')).toEqual([]);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.ms).toBeLessThan(2000);

    // The manager's sales list: newest first, with statuses, buyers and the refusal on the way.
    const list = await first.api<{ sales: ListedSale[] }>('GET', `/api/sales?from=${today}&to=${today}`);
    expect(list.status).toBe(200);
    expect(list.body.sales.map((s) => ({ id: s.id, status: s.status, payment: s.payment, person: s.person?.name ?? null, refusals: s.refusals }))).toEqual([
      { id: 4, status: 'reversed', payment: 'insurance', person: seedPerson('youngAdult').name, refusals: 0 },
      { id: 3, status: 'settled', payment: 'insurance', person: seedPerson('both').name, refusals: 1 },
      { id: 2, status: 'settled', payment: 'self_pay', person: null, refusals: 0 },
      { id: 1, status: 'settled', payment: 'self_pay', person: null, refusals: 0 },
    ]);
    for (const s of list.body.sales) expect(s.fundFen + s.accountFen + s.cashFen).toBe(s.totalFen);

    // The chronic sale: refused for want of a prescription, then settled under the hypertension entitlement
    // (the simulator's fund share for an employee: 70 % of the listed drug, rounded down to the fen).
    const chronic = await first.api<Json & { refusals: { code: string }[]; prescription: Json | null; chronicDisease: string; settlement: { totals: Json } }>(
      'GET',
      '/api/sales/3',
    );
    expect(chronic.body.refusals.map((r) => r.code)).toEqual(['PRESCRIPTION_REQUIRED']);
    expect(chronic.body.prescription).not.toBeNull();
    expect(chronic.body.chronicDisease).toBe('M03900');
    const chronicRow = list.body.sales.find((s) => s.id === 3)!;
    expect(chronicRow.fundFen).toBe(Math.floor((chronicRow.totalFen * 70) / 100));

    // Everything reaches the simulator: the outbox drains, the refund is a 3506, and the platform holds the two
    // settlements, the refunded one reversed.
    await drained(first.api);
    const items = await Promise.all([1, 2, 3, 4].map(async (id) => (await first.api<{ items: unknown[] }>('GET', `/api/sales/${id}`)).body.items.length));
    const sim = first.agent.platform.simulator!.db;
    expect(countUploads(sim, { infno: '3505' })).toBe(items.reduce((a, b) => a + b, 0));
    expect(countUploads(sim, { infno: '3506' })).toBe(1);
    const settlements = sim.prepare('SELECT psn_no, reversed_at FROM settlements ORDER BY setl_at').all() as { psn_no: string; reversed_at: string | null }[];
    expect(settlements.map((s) => ({ psnNo: s.psn_no, reversed: s.reversed_at !== null }))).toEqual([
      { psnNo: seedPerson('both').psnNo, reversed: false },
      { psnNo: seedPerson('youngAdult').psnNo, reversed: true },
    ]);

    // Reconciliation of today adds up and every check passes.
    const rec = await first.api<{
      sales: Json & {
        settled: number;
        totalFen: number;
        fundFen: number;
        accountFen: number;
        cashFen: number;
        reversed: { count: number };
        returns: { count: number };
      };
      checks: { key: string; ok: boolean }[];
    }>('GET', `/api/reconciliation?from=${today}&to=${today}`);
    expect(rec.status).toBe(200);
    expect(rec.body.sales.settled).toBe(4);
    expect(rec.body.sales.totalFen).toBe(list.body.sales.reduce((n, s) => n + s.totalFen, 0));
    expect(rec.body.sales.fundFen + rec.body.sales.accountFen + rec.body.sales.cashFen).toBe(rec.body.sales.totalFen);
    expect(rec.body.sales.reversed.count).toBe(1);
    expect(rec.body.sales.returns.count).toBe(1);
    expect(rec.body.checks.filter((c) => !c.ok)).toEqual([]);
    await first.agent.close();
    cleanups.pop();

    // A second start on the same ledger adds no sales.
    const second = await start(tmp.dir);
    expect(second.find('demo sample sales recorded')).toEqual([]);
    const again = await second.api<{ sales: ListedSale[] }>('GET', `/api/sales?from=${today}&to=${today}`);
    expect(again.body.sales.map((s) => s.id)).toEqual([4, 3, 2, 1]);

    // The codes the README and the start banner suggest are still on the shelf, and the README's walk-through
    // (张建国 buying 4 pieces of ibuprofen with insurance) settles: no repeat purchase, enough stock.
    const opened = await second.api<{ id: number }>('POST', '/api/sales', {}, TOKENS.cashier);
    expect(opened.status).toBe(201);
    const sale = opened.body.id;
    expect((await second.api('POST', `/api/sales/${sale}/items`, { code: '81000040000000000001', pieces: 4 }, TOKENS.cashier)).status).toBe(200);
    expect((await second.api('PUT', `/api/sales/${sale}/identity`, { certType: '01', certNo: seedPerson('hypertension').token }, TOKENS.cashier)).status).toBe(
      200,
    );
    const settled = await second.api<{ status: string }>('POST', `/api/sales/${sale}/settle`, { payment: 'insurance' }, TOKENS.cashier);
    expect(settled).toMatchObject({ status: 200, body: { status: 'settled' } });
    const next = (await second.api<{ id: number }>('POST', '/api/sales', {}, TOKENS.cashier)).body.id;
    expect((await second.api('POST', `/api/sales/${next}/items`, { code: '81000040000000000002' }, TOKENS.cashier)).status).toBe(200);
    const sold = await second.api<{ refused: { code: string }[] }>('POST', `/api/sales/${next}/items`, { code: '81000040000000000010' }, TOKENS.cashier);
    expect(sold).toMatchObject({ status: 422, body: { refused: [{ code: 'TRACE_CODE_ALREADY_SOLD' }] } });
  });

  it('a failure only logs a warning and leaves no open sale to catch the next scan', async () => {
    const tmp = tempDir('counter-agent-demo-sales-');
    cleanups.push(tmp.cleanup);
    // Not a demo ledger: no demo catalogue, so the first box cannot be scanned.
    const { agent, api, log, find } = await start(tmp.dir, false);
    await expect(seedDemoSales(agent.checkout, () => new Date(), log, simulatorDemoBuyers())).resolves.toBeUndefined();
    const warned = find('demo sample sales not recorded; the demo starts without them');
    expect(warned).toHaveLength(1);
    expect(String(warned[0]!.err)).toMatch(/refused/);
    expect(agent.checkout.currentSale('counter-1')).toBeUndefined();
    const list = await api<{ sales: ListedSale[] }>('GET', '/api/sales');
    expect(list.body.sales.map((s) => s.status)).toEqual(['voided']);
  });
});
