// Issue 15: a refund (退费) survives a crash. The box runs as a real `counter-agent run` process (dist/) against
// the platform simulator; the 2103 is held by the platform (latency) while the box is SIGKILLed, then the platform
// commits the reversal to a dead socket. On restart the recovery pass re-sends the same 2103: exactly one reversal
// at the platform, the codes back in stock once, one 3506 per line, and the ledger verifies.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../agent/ledger/verify.js';
import { CATALOG, codeOf, person } from '../agent/web/sales.test-helpers.js';
import { BOX_TOKENS, type BoxProcess, boxCall, startBox, writeBoxConfig } from '../bench/box-process.js';
import { type SimulatorHandle, startSimulator } from '../sync/simulator/index.js';
import { tempDir } from './helpers.js';

let tmp: { dir: string; cleanup: () => void } | undefined;
let sim: SimulatorHandle | undefined;
let box: BoxProcess | undefined;

beforeAll(() => {
  if (!existsSync(fileURLToPath(new URL('../dist/agent/cli/main.js', import.meta.url)))) throw new Error('dist/ is missing: run `npm run build` first');
});
afterEach(async () => {
  await box?.kill();
  await sim?.close();
  tmp?.cleanup();
});

async function until<T>(what: string, f: () => Promise<T | undefined> | T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a refund interrupted by a crash', () => {
  it('SIGKILL while the platform holds the 2103, then restart: one reversal, codes back once, 3506 once', async () => {
    tmp = tempDir('counter-agent-refund-crash-');
    sim = await startSimulator({ dbPath: join(tmp.dir, 'sim.db') });
    const config = writeBoxConfig(tmp.dir, sim.url, { timeoutMs: 5000 });
    box = await startBox(config);
    const api = (method: string, path: string, body?: unknown, token?: string) => boxCall<Record<string, unknown>>(box!.url, method, path, body, token);
    expect((await api('POST', '/api/catalog', { products: [CATALOG.LIAN] })).status).toBe(200);
    const codes = [codeOf('LIAN', 1), codeOf('LIAN', 2)];
    const receipt = await api('POST', '/api/receipts', {
      supplier: '华润河北医药有限公司',
      invoiceNo: 'INV-C',
      deliveryNoteNo: 'DN-C',
      procurementOrderNo: 'CG202611000002',
      lines: [{ productId: 'LIAN', lot: 'LC1', mfgDate: '2026-01-10', expiry: '2028-01-09', packs: 2, pricePerPack: 1000, codes }],
    });
    expect(receipt.status).toBe(201);
    const p = person('diabetes');
    const sale = await api('POST', '/api/sales', {}, BOX_TOKENS.cashier);
    const id = sale.body['id'] as number;
    expect((await api('PUT', `/api/sales/${id}/identity`, { certType: '02', certNo: p.certno }, BOX_TOKENS.cashier)).status).toBe(200);
    for (const c of codes) expect((await api('POST', `/api/sales/${id}/items`, { code: c }, BOX_TOKENS.cashier)).status).toBe(200);
    const paid = await api('POST', `/api/sales/${id}/settle`, { payment: 'insurance' }, BOX_TOKENS.cashier);
    expect(paid.status).toBe(200);
    const setlId = paid.body['settlementId'] as string;
    await until('the 3505 uploads', async () => ((await api('GET', '/api/sync')).body['backlog'] === 0 ? true : undefined));

    // The platform holds the 2103 for 1.5 s before processing it; the box dies meanwhile.
    sim.setFaults({ latencyMs: 1500 });
    const refund = api('POST', `/api/sales/${id}/reverse`, { reason: '顾客退货' }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
    await box.kill();
    await refund;
    const reversedAt = () => sim!.db.prepare('SELECT reversed_at FROM settlements WHERE setl_id = ?').pluck().get(setlId) as string | null;
    await until('the platform to reverse', () => reversedAt() ?? undefined);
    sim.setFaults({});

    // Written down before the call: the dead box's ledger says the refund is under way, with its msgid.
    const ledgerFile = join(tmp.dir, 'data', 'ledger.db');
    const db = new Database(ledgerFile, { readonly: true });
    const row = db.prepare('SELECT status, reverse_msgid, reversing FROM sales WHERE id = ?').get(id) as {
      status: string;
      reverse_msgid: string;
      reversing: string;
    };
    db.close();
    expect(row.status).toBe('settled');
    expect(JSON.parse(row.reversing)).toMatchObject({ reason: '顾客退货', actor: 'harness-manager' });

    box = await startBox(config); // start-up recovery re-sends the same 2103
    const after = await api('GET', `/api/sales/${id}`);
    expect(after.body).toMatchObject({ status: 'reversed', reversal: { reason: '顾客退货', actor: 'harness-manager' }, reversing: null });
    for (const c of codes) expect((await api('GET', `/api/codes/${c}`)).body).toMatchObject({ state: 'in_stock', piecesSold: 0 });
    await until('the 3506 uploads', async () => ((await api('GET', '/api/sync')).body['backlog'] === 0 ? true : undefined));
    expect(sim.db.prepare("SELECT COUNT(*) FROM messages WHERE infno = '2103'").pluck().get()).toBe(1);
    expect(sim.db.prepare("SELECT COUNT(*) FROM messages WHERE infno = '2103' AND msgid = ?").pluck().get(row.reverse_msgid)).toBe(1);
    expect(sim.db.prepare("SELECT COUNT(*) FROM uploads WHERE infno = '3506'").pluck().get()).toBe(2);
    expect(sim.db.prepare("SELECT MAX(upload_count) FROM uploads WHERE infno = '3506'").pluck().get()).toBe(1);
    expect((await api('POST', `/api/sales/${id}/reverse`, {})).status).toBe(409);
    await box.stop();
    const ledger = new Database(ledgerFile, { readonly: true });
    try {
      expect(verifyLedger(ledger as never).problems).toEqual([]);
      expect(ledger.prepare("SELECT COUNT(*) FROM events WHERE type = 'sale.reversed'").pluck().get()).toBe(1);
    } finally {
      ledger.close();
    }
  }, 90_000);
});
