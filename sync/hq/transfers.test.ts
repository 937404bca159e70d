// Transfers between stores (调拨), end to end: two whole boxes with an hq section, a real HQ on a real PostgreSQL, real
// HTTP. A ships three boxes to B; neither may sell them in transit; B receives two and scans one that was not shipped;
// the discrepancy is listed at B, at A (learnt from HQ) and at HQ; B sells a received box; both 3502s are accepted by
// the strict simulator; replays are no-ops.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAgent, startAgent } from '../../agent/app.js';
import { verifyLedger } from '../../agent/ledger/verify.js';
import { issueEnrolCode } from '../../hq/enrolment.js';
import { startTestHq, type TestHq } from '../../hq/hq.test-helpers.js';
import { AMOX, code, HERB, IBU, receipt } from '../../test/fixtures.js';
import { silentLog, TOKENS, tempDir, testConfig } from '../../test/helpers.js';
import { HqClient } from './client.js';

const A = 'P13010200001';
const B = 'P13010200002';
const at = new Date('2026-11-22T02:00:00Z');
const shipped = [code('8100004', 501), code('8100004', 502), code('8100004', 503)];
const stray = code('8100004', 599); // scanned at B, never shipped

let t: TestHq;
let a: RunningAgent;
let b: RunningAgent;
const dirs: { cleanup: () => void }[] = [];

async function boxFor(store: string, name: string): Promise<RunningAgent> {
  const { code: enrol } = await issueEnrolCode(t.hq.pool, store, name);
  const dir = tempDir();
  dirs.push(dir);
  const base = testConfig(dir.dir, `hq:\n  url: ${t.hq.url}\n  enrolmentCode: ${enrol}\n`);
  return startAgent({ config: { ...base, store: { ...base.store, code: store, name } }, demo: false, log: silentLog(), clock: () => at });
}

beforeAll(async () => {
  t = await startTestHq();
  a = await boxFor(A, '一号店');
  b = await boxFor(B, '二号店');
}, 120_000);
afterAll(async () => {
  await a?.close();
  await b?.close();
  await t?.close();
  for (const d of dirs) d.cleanup();
});

type Json = Record<string, unknown>;
async function api(box: RunningAgent, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${box.url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), authorization: `Bearer ${TOKENS.manager}` },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Json };
}
async function hq(path: string): Promise<Json> {
  const res = await fetch(`${t.hq.url}${path}`, { headers: { authorization: `Bearer ${t.adminToken}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as Json;
}
async function until(what: string, ok: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
async function replicated(box: RunningAgent, store: string): Promise<void> {
  const local = box.ledger.db.prepare('SELECT MAX(seq) FROM events').pluck().get() as number;
  await until(`${store} replicated`, async () => {
    const { rows } = await t.hq.pool.query<{ head_seq: number }>('SELECT head_seq FROM stores WHERE store_id = $1', [store]);
    return (rows[0]?.head_seq ?? 0) >= local;
  });
}
async function scan(box: RunningAgent, c: string): Promise<{ status: number; body: Json; saleId: number }> {
  const sale = await api(box, 'POST', '/api/sales', {});
  const saleId = sale.body.id as number;
  return { ...(await api(box, 'POST', `/api/sales/${saleId}/items`, { code: c })), saleId };
}
const refusal = (r: { body: Json }) => (r.body.refused as { code: string; message: string }[])[0] as { code: string; message: string };
/** The API answers a refused request as { errors: [{ code, message }] }. */
const error = (r: { body: Json }) => (r.body.errors as { code: string; message: string }[])[0] as { code: string; message: string };

describe('transfers between stores', () => {
  let transferId: string;

  it('A ships three boxes to B: they leave A’s stock, A cannot sell them, a 3502 调拨出库 goes out', async () => {
    for (const box of [a, b]) expect((await api(box, 'POST', '/api/catalog', { products: [AMOX, IBU, HERB] })).status).toBe(200);
    const r = await api(
      a,
      'POST',
      '/api/receipts',
      receipt({ lines: [{ productId: 'IBU', lot: 'I2601', mfgDate: '2026-01-10', expiry: '2028-01-09', packs: 3, pricePerPack: 1500, codes: shipped }] }),
    );
    expect(r.status).toBe(201);
    await replicated(a, A);

    const stores = await api(a, 'GET', '/api/transfers/stores');
    expect(stores.body.stores).toEqual([{ store: B, name: '二号店' }]);
    const checked = await api(a, 'POST', '/api/transfers/check', { code: shipped[0] });
    expect(checked.body).toMatchObject({ productId: 'IBU', lot: 'I2601', pieces: 20 });
    const out = await api(a, 'POST', '/api/transfers', { toStore: B, codes: shipped });
    expect(out.status).toBe(201);
    transferId = out.body.transferId as string;
    expect(out.body.boxes).toBe(3);
    // Shipping the same box twice is refused: it is no longer on the shelf.
    expect(error(await api(a, 'POST', '/api/transfers', { toStore: B, codes: [shipped[0]] })).code).toBe('CODE_NOT_IN_STOCK');

    const sold = await scan(a, shipped[0] as string);
    expect(sold.status).toBe(422);
    expect(refusal(sold).code).toBe('TRACE_CODE_IN_TRANSIT');
    expect(refusal(sold).message).toContain(transferId);
    expect(refusal(sold).message).toContain('二号店');
    // The lot's stock went with the boxes.
    const lot = a.ledger.db.prepare("SELECT pieces_on_hand FROM lots WHERE lot_no = 'I2601'").pluck().get();
    expect(lot).toBe(0);
  });

  it('HQ carries the manifest; the code answer says in transit; B cannot sell a box before receiving it', async () => {
    await replicated(a, A);
    const codeAnswer = await hq(`/hq/v1/codes/${shipped[0]}`);
    expect(codeAnswer.inTransit).toMatchObject({ from: A, to: B, transferId });
    expect(codeAnswer.soldNotReturned).toBe(false);

    const refreshed = await api(b, 'POST', '/api/transfers/refresh');
    expect(refreshed.body).toMatchObject({ inbound: 1 });
    const list = (await api(b, 'GET', '/api/transfers')).body;
    expect(list.enabled).toBe(true);
    expect(list.transfers).toMatchObject([{ transferId, direction: 'in', peer: { store: A, name: '一号店' }, boxes: 3, status: 'in_transit' }]);

    const early = await scan(b, shipped[1] as string);
    expect(early.status).toBe(422);
    expect(refusal(early).code).toBe('TRACE_CODE_IN_TRANSIT');
    expect(refusal(early).message).toContain('一号店');
  });

  it('B receives two boxes and scans one not shipped: discrepancies at B; the received box sells at B', async () => {
    const r = await api(b, 'POST', `/api/transfers/${transferId}/receive`, { codes: [shipped[0], shipped[1], stray] });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ received: 2, discrepancy: { missing: [shipped[2]], extra: [stray] } });
    // A second confirmation is refused, nothing is stocked twice.
    expect(error(await api(b, 'POST', `/api/transfers/${transferId}/receive`, { codes: [shipped[2]] })).code).toBe('TRANSFER_RECEIVED');
    const atB = (await api(b, 'GET', '/api/transfers')).body.transfers as Json[];
    expect(atB).toHaveLength(1);
    expect(atB[0] as Json).toMatchObject({ status: 'received', discrepancy: { missing: [shipped[2]], extra: [stray] } });

    // The box keeps its history: product, lot, expiry and the code, now at B.
    const life = await api(b, 'GET', `/api/codes/${shipped[0]}`);
    expect(JSON.stringify(life.body)).toContain('I2601');
    const sale = await scan(b, shipped[0] as string);
    expect(sale.status).toBe(200);
    const settled = await api(b, 'POST', `/api/sales/${sale.saleId}/settle`, { payment: 'self_pay' });
    expect(settled.status).toBe(200);
    expect(settled.body.status).toBe('settled');
    // The missing box never arrived: B has no stock of it.
    expect(refusal(await scan(b, shipped[2] as string)).code).toBe('TRACE_CODE_NOT_IN_STOCK');
  });

  it('the discrepancy is listed at HQ and, from HQ, at A', async () => {
    await replicated(b, B);
    const d = await hq('/hq/v1/transfers/discrepancies');
    expect(d.discrepancies).toMatchObject([
      { transferId, from: { store: A }, to: { store: B }, shipped: 3, received: 2, missing: [shipped[2]], extra: [stray] },
    ]);
    expect((await hq(`/hq/v1/codes/${shipped[1]}`)).inTransit).toBeNull();
    expect((await hq(`/hq/v1/codes/${shipped[2]}`)).inTransit).toBeNull();

    expect((await api(a, 'POST', '/api/transfers/refresh')).body).toMatchObject({ outcomes: 1 });
    const atA = (await api(a, 'GET', '/api/transfers')).body.transfers as Json[];
    expect(atA).toHaveLength(1);
    expect(atA[0] as Json).toMatchObject({ transferId, direction: 'out', status: 'received', discrepancy: { missing: [shipped[2]], extra: [stray] } });
    // Received at B: at A the box is another store's stock now.
    expect(refusal(await scan(a, shipped[1] as string)).code).toBe('TRACE_CODE_NOT_IN_STOCK');
  });

  it('both 3502s (调拨出库 at A, 调拨入库 at B) are accepted by the strict simulator; both ledgers verify', async () => {
    const rows = (box: RunningAgent) =>
      box.ledger.db
        .prepare("SELECT o.status, o.last_error FROM outbox o JOIN events e ON e.seq = o.event_seq WHERE o.infno = '3502' AND e.type LIKE 'transfer.%'")
        .all() as { status: string; last_error: string | null }[];
    for (const box of [a, b]) {
      await until('3502 sent', () => rows(box).length > 0 && rows(box).every((r) => r.status === 'sent'));
      expect(verifyLedger(box.ledger.db)).toMatchObject({ ok: true, problems: [] });
    }
  });

  it('replayed and duplicated events are no-ops at HQ and at the boxes', async () => {
    const count = async () =>
      (await t.hq.pool.query<{ t: number; r: number }>('SELECT (SELECT count(*) FROM transfers)::int AS t, (SELECT count(*) FROM transfer_receipts)::int AS r'))
        .rows[0];
    const before = await count();
    const credential = a.ledger.db.prepare('SELECT credential FROM hq_replication').pluck().get() as string;
    const events = a.ledger.db.prepare('SELECT seq, at, type, actor, reason, payload, prev_hash, hash FROM events ORDER BY seq').all() as never[];
    const pushed = await new HqClient(t.hq.url, credential).push(events);
    expect(pushed).toMatchObject({ kind: 'ok', accepted: 0, duplicates: events.length });
    expect(await count()).toEqual(before);
    expect((await api(b, 'POST', '/api/transfers/refresh')).body).toEqual({ inbound: 0, outcomes: 0 });
    expect((await api(a, 'POST', '/api/transfers/refresh')).body).toEqual({ inbound: 0, outcomes: 0 });
  });
});

describe('a box without HQ', () => {
  it('hides and refuses transfers with a clear message', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const box = await startAgent({ config: testConfig(dir.dir), demo: false, log: silentLog(), clock: () => at });
    try {
      expect((await api(box, 'GET', '/api/transfers')).body).toMatchObject({ enabled: false, transfers: [] });
      const r = await api(box, 'POST', '/api/transfers', { toStore: B, codes: [shipped[0]] });
      expect(r.status).toBe(409);
      expect(error(r).code).toBe('HQ_REQUIRED');
      expect(error(r).message).toContain('调拨需要连锁总部连接');
    } finally {
      await box.close();
    }
  });
});
