import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AMOX, code, HERB, IBU, receipt } from '../../test/fixtures.js';
import { silentLog, TOKENS, tempDir, testConfig } from '../../test/helpers.js';
import { type RunningAgent, startAgent } from '../app.js';
import { verifyLedger } from '../ledger/verify.js';

let agent: RunningAgent;
let tmp: { dir: string; cleanup: () => void };

beforeAll(async () => {
  tmp = tempDir();
  agent = await startAgent({ config: testConfig(tmp.dir), demo: false, log: silentLog(), clock: () => new Date('2026-11-22T02:00:00Z') });
});
afterAll(async () => {
  await agent.close();
  tmp.cleanup();
});

async function api(method: string, path: string, body?: unknown, token: string | null = TOKENS.manager) {
  const res = await fetch(`${agent.url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { errors?: { code: string; message: string }[] } };
}

describe('HTTP API over real HTTP', () => {
  it('answers health without a token with status and alarms only; the full report to a technician', async () => {
    const r = await api('GET', '/api/health', undefined, null);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: expect.stringMatching(/^(ok|degraded)$/), alarms: expect.any(Array) }); // issue 15: no version, paths or URLs
    const full = await api('GET', '/api/health', undefined, TOKENS.technician);
    expect(full.body).toMatchObject({ status: expect.stringMatching(/^(ok|degraded)$/), version: '0.1.0', devices: [], alarms: expect.any(Array) });
    expect(full.body.disk).toMatchObject({ path: tmp.dir, freeBytes: expect.any(Number) });
  });

  it('refuses state changes without a token (401) and for the wrong role (403)', async () => {
    expect((await api('POST', '/api/catalog', { products: [AMOX] }, null)).status).toBe(401);
    const wrongToken = await api('POST', '/api/catalog', { products: [AMOX] }, 'not-a-token');
    expect(wrongToken.status).toBe(401);
    const cashier = await api('POST', '/api/catalog', { products: [AMOX] }, TOKENS.cashier);
    expect(cashier.status).toBe(403);
    expect(cashier.body.errors?.[0]?.message).toMatch(/收银员.*无权/);
    expect((await api('GET', '/api/stock', undefined, null)).status).toBe(401);
  });

  it('rejects a malformed catalogue naming the field, and imports a good one', async () => {
    const bad = await api('POST', '/api/catalog', { products: [{ ...AMOX, piecesPerPack: 0, category: 'candy' }] });
    expect(bad.status).toBe(400);
    const messages = bad.body.errors?.map((e) => e.message).join('\n');
    expect(messages).toMatch(/products\[0\]\.piecesPerPack/);
    expect(messages).toMatch(/products\[0\]\.category/);
    const badGtin = await api('POST', '/api/catalog', { products: [{ ...AMOX, gtin: '06901234567890' }] });
    expect(badGtin.status).toBe(422);
    expect(badGtin.body.errors?.[0]?.message).toMatch(/gtin: check digit wrong/);
    const ok = await api('POST', '/api/catalog', { products: [AMOX, IBU, HERB] });
    expect(ok).toEqual({ status: 200, body: { imported: 3 } });
  });

  it('receives a delivery (201) and shows it in stock and in the code life', async () => {
    const r = await api('POST', '/api/receipts', receipt());
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ id: expect.any(Number) });
    const stock = await api('GET', '/api/stock', undefined, TOKENS.cashier);
    expect(stock.body.products).toEqual([
      expect.objectContaining({
        productId: 'AMOX',
        piecesOnHand: 48,
        lots: [expect.objectContaining({ lot: 'A2401', expiry: '2028-01-09', piecesOnHand: 48, coded: true })],
      }),
      expect.objectContaining({ productId: 'HERB', piecesOnHand: 5 }),
    ]);
    const life = await api('GET', `/api/codes/${code('8100003', 1)}`, undefined, TOKENS.cashier);
    expect(life.status).toBe(200);
    expect(life.body).toMatchObject({
      code: code('8100003', 1),
      state: 'in_stock',
      product: { id: 'AMOX' },
      events: [{ kind: 'received', receiptId: r.body.id }],
    });
  });

  it('refuses a receipt with every reason listed (422) and stores none of it', async () => {
    const bad = receipt({ invoiceNo: '' });
    bad.lines[0]!.codes = [code('8100003', 1), code('8100004', 77)]; // one already in stock, one of another product
    bad.lines[0]!.lot = 'A2402';
    const r = await api('POST', '/api/receipts', bad);
    expect(r.status).toBe(422);
    expect(r.body.errors?.map((e) => e.code)).toEqual(['INVOICE_MISSING', 'TRACE_CODE_ALREADY_IN_STOCK', 'TRACE_CODE_PRODUCT_MISMATCH']);
    expect(r.body.errors?.every((e) => /[\u4e00-\u9fff]/.test(e.message))).toBe(true);
    const lots = await api('GET', '/api/stock?productId=AMOX');
    expect((lots.body.products as { lots: unknown[] }[])[0]!.lots).toHaveLength(1);
  });

  it('returns 400 for a receipt body of the wrong shape, naming the field', async () => {
    const r = await api('POST', '/api/receipts', { supplier: 'x', invoiceNo: '1', deliveryNoteNo: '1', lines: [{ productId: 'AMOX' }] });
    expect(r.status).toBe(400);
    expect(r.body.errors?.map((e) => e.message).join('\n')).toMatch(/lines\[0\]\.lot: required/);
  });

  it('says clearly when a code is unknown or malformed', async () => {
    expect((await api('GET', `/api/codes/${code('8100003', 999)}`)).status).toBe(404);
    const bad = await api('GET', '/api/codes/abc');
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.[0]?.code).toBe('TRACE_CODE_INVALID');
  });

  it('reports the platform backlog on /api/sync and health, and drains it to the embedded simulator', async () => {
    expect((await api('GET', '/api/sync', undefined, TOKENS.cashier)).status).toBe(403);
    let sync = await api('GET', '/api/sync', undefined, TOKENS.technician);
    expect(sync.status).toBe(200);
    expect(sync.body).toMatchObject({ byInterface: expect.any(Array), failed: 0 });
    agent.platform.worker.notify();
    for (let i = 0; i < 100 && (sync.body.backlog as number) > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      sync = await api('GET', '/api/sync');
    }
    expect(sync.body).toMatchObject({ backlog: 0, pending: 0, byInterface: expect.arrayContaining([expect.objectContaining({ infno: '3503', sent: 2 })]) });
    const health = await api('GET', '/api/health', undefined, TOKENS.technician);
    expect(health.body.platform).toMatchObject({ simulator: true, backlog: 0, failed: 0 });
    expect((await api('POST', '/api/sync/retry', {})).body).toEqual({ retried: 0 });
  });

  it('corrects stock with a reason (盘亏/报损/盘盈) as new events, reported as 3502, never below zero', async () => {
    const stock = await api('GET', '/api/stock?productId=AMOX');
    const lot = (stock.body.products as { lots: { lotId: number; piecesOnHand: number }[] }[])[0]!.lots[0]!;
    const cashier = await api('POST', '/api/stock/adjustments', { lotId: lot.lotId, codes: [code('8100003', 2)], reason: '破损' }, TOKENS.cashier);
    expect(cashier.status).toBe(403);
    const noReason = await api('POST', '/api/stock/adjustments', { lotId: lot.lotId, codes: [code('8100003', 2)], reason: ' ' });
    expect(noReason.body.errors?.[0]?.code).toBe('REASON_REQUIRED');
    const byCount = await api('POST', '/api/stock/adjustments', { lotId: lot.lotId, deltaPieces: -3, reason: '盘亏' });
    expect(byCount.body.errors?.[0]?.code).toBe('USE_CODES'); // a coded lot loses boxes by code
    const writeOff = await api('POST', '/api/stock/adjustments', { lotId: lot.lotId, codes: [code('8100003', 2)], reason: '破损' });
    expect(writeOff.status).toBe(201);
    expect(writeOff.body).toMatchObject({ delta: -24 });
    expect((await api('GET', `/api/codes/${code('8100003', 2)}`)).body).toMatchObject({ state: 'written_off' });
    const again = await api('POST', '/api/stock/adjustments', { lotId: lot.lotId, codes: [code('8100003', 2)], reason: '破损' });
    expect(again.body.errors?.[0]?.code).toBe('CODE_NOT_IN_STOCK');
    const after = await api('GET', '/api/stock?productId=AMOX');
    expect((after.body.products as { piecesOnHand: number }[])[0]!.piecesOnHand).toBe(lot.piecesOnHand - 24);

    const herb = (await api('GET', '/api/stock?productId=HERB')).body.products as { lots: { lotId: number; piecesOnHand: number }[] }[];
    const herbLot = herb[0]!.lots[0]!;
    expect((await api('POST', '/api/stock/adjustments', { lotId: herbLot.lotId, deltaPieces: 2, reason: '盘盈' })).status).toBe(201);
    const below = await api('POST', '/api/stock/adjustments', { lotId: herbLot.lotId, deltaPieces: -(herbLot.piecesOnHand + 3), reason: '盘亏' });
    expect(below.body.errors?.[0]?.code).toBe('BELOW_ZERO');
    const outbox = agent.ledger.db.prepare("SELECT COUNT(*) FROM outbox WHERE infno = '3502'").pluck().get();
    expect(outbox).toBe(2);
    expect(verifyLedger(agent.ledger.db)).toMatchObject({ ok: true });
  });

  it('refuses opening stock without a production date (the platform requires manu_date), naming the line', async () => {
    const r = await api('POST', '/api/inventory/opening', { lines: [{ productId: 'IBU', lot: 'OLD', expiry: '2027-12-31', pieces: 40 }] });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual([expect.objectContaining({ code: 'MFG_DATE_MISSING', line: 1, message: expect.stringMatching(/缺少生产日期/) })]);
  });

  it('imports opening stock without codes', async () => {
    const r = await api('POST', '/api/inventory/opening', {
      lines: [{ productId: 'IBU', lot: 'OLD', mfgDate: '2025-12-31', expiry: '2027-12-31', pieces: 40 }],
    });
    expect(r.status).toBe(201);
    const stock = await api('GET', '/api/stock?productId=IBU');
    expect(stock.body.products).toEqual([expect.objectContaining({ piecesOnHand: 40, lots: [expect.objectContaining({ coded: false })] })]);
    expect(r.body.pendingWriteOff).toEqual([]);
  });

  it('takes an expired opening lot only as 待报损: listed in the answer, never sellable (issue 14)', async () => {
    const r = await api('POST', '/api/inventory/opening', {
      lines: [{ productId: 'IBU', lot: 'GONE', mfgDate: '2023-12-31', expiry: '2025-12-31', pieces: 20 }],
    });
    expect(r.status).toBe(201);
    expect(r.body.pendingWriteOff).toEqual([
      { line: 1, productId: 'IBU', lot: 'GONE', expiry: '2025-12-31', message: expect.stringMatching(/已于 2025-12-31 过期，已记为待报损（不可销售）/) },
    ]);
  });
});
