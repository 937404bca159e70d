import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeEventHash } from '../agent/ledger/events.js';
import { startHq } from './app.js';
import { monthlyPartitions } from './db/partitions.js';
import { issueEnrolCode } from './enrolment.js';
import {
  appendFiller,
  appendReceipt,
  appendReversal,
  appendSale,
  enrolStore,
  eventsOf,
  newCode,
  startTestHq,
  type TestHq,
  tempLedger,
} from './hq.test-helpers.js';
import { recheckStore } from './ingest.js';
import { addUser, LOGIN_LIMITS } from './users.js';

let t: TestHq;
beforeAll(async () => {
  t = await startTestHq();
}, 120_000);
afterAll(async () => {
  await t?.close();
});

type Ev = ReturnType<typeof eventsOf>[number];
async function push(credential: string, events: Ev[]) {
  const res = await fetch(`${t.hq.url}/hq/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
    body: JSON.stringify({ events }),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown> & { head: { seq: number; hash: string }; flag?: { code: string; seq: number } },
  };
}
async function admin(path: string) {
  const res = await fetch(`${t.hq.url}${path}`, { headers: { authorization: `Bearer ${t.adminToken}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
async function storeRow(store: string) {
  const { body } = await admin('/hq/v1/stores');
  return (
    body.stores as { store: string; head: { seq: number }; flag: { code: string; seq: number } | null; lastContactAt: string | null; credentials: number }[]
  ).find((s) => s.store === store);
}

describe('HQ on PostgreSQL', () => {
  it('runs its statements without JIT compilation (short statements, where LLVM cost more than it saved)', async () => {
    const client = await t.hq.pool.connect();
    try {
      expect((await client.query<{ jit: string }>('SHOW jit')).rows[0]?.jit).toBe('off');
    } finally {
      client.release();
    }
  });

  it('keeps monthly partitions of events ahead of time', async () => {
    const { rows } = await t.hq.pool.query<{ name: string }>(
      "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'events'",
    );
    const names = rows.map((r) => r.name);
    for (const p of monthlyPartitions(new Date())) expect(names).toContain(p.name);
    expect(names).toContain('events_default');
  });

  it('enrols a store by a one-time code; the code works once; a wrong code is refused', async () => {
    const { code } = await issueEnrolCode(t.hq.pool, 'H13010300001', '一号店');
    const enrol = (c: string) =>
      fetch(`${t.hq.url}/hq/v1/enrol`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ store: 'H13010300001', code: c }),
      });
    expect((await enrol('ABCD-EFGH-JK')).status).toBe(401);
    const ok = await enrol(code.toLowerCase());
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as { credential: string }).credential).toMatch(/^H13010300001\./);
    const again = await enrol(code);
    expect(again.status).toBe(401);
    expect(((await again.json()) as { message: string }).message).toContain('注册码无效');
  });

  it('ingests in order, takes a batch twice as a no-op, and refuses one beyond its head with the seq it expects', async () => {
    const credential = await enrolStore(t, 'H13010300002');
    const box = tempLedger();
    try {
      appendFiller(box.ledger, 10);
      const events = eventsOf(box.ledger);
      const first = await push(credential, events.slice(0, 6));
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ accepted: 6, duplicates: 0, head: { seq: 6, hash: events[5]?.hash } });
      const twice = await push(credential, events.slice(0, 6));
      expect(twice.body).toMatchObject({ accepted: 0, duplicates: 6, head: { seq: 6 } });
      const ahead = await push(credential, events.slice(7));
      expect(ahead.status).toBe(409);
      expect(ahead.body).toMatchObject({ error: 'OUT_OF_ORDER', expectedSeq: 7 });
      // Overlapping: the known part is a no-op, the rest is taken.
      const overlap = await push(credential, events.slice(4));
      expect(overlap.body).toMatchObject({ accepted: 4, duplicates: 2, head: { seq: 10, hash: events[9]?.hash } });
      const { rows } = await t.hq.pool.query('SELECT count(*)::int AS n, count(DISTINCT seq)::int AS d, max(seq)::int AS m FROM events WHERE store_id = $1', [
        'H13010300002',
      ]);
      expect(rows[0]).toEqual({ n: 10, d: 10, m: 10 });
      const row = await storeRow('H13010300002');
      expect(row).toMatchObject({ head: { seq: 10 }, flag: null, credentials: 1 });
      expect(row?.lastContactAt).not.toBeNull();
    } finally {
      box.cleanup();
    }
  });

  it('flags a rehashed chain (a changed event at a known seq) and then takes nothing more from the store', async () => {
    const store = 'H13010300003';
    const credential = await enrolStore(t, store);
    const box = tempLedger();
    try {
      appendFiller(box.ledger, 8);
      const events = eventsOf(box.ledger);
      expect((await push(credential, events)).status).toBe(200);
      // Someone edits event 4 on the box and recomputes every hash from there (a valid-looking chain).
      const forged: Ev[] = [];
      let prev = events[2] as Ev;
      for (const e of events.slice(3)) {
        const edited = { ...e, payload: e.seq === 4 ? '{"products":[{"id":"FORGED"}]}' : e.payload, prev_hash: prev.hash };
        const hash = computeEventHash(edited);
        forged.push({ ...edited, hash });
        prev = { ...edited, hash };
      }
      const r = await push(credential, forged);
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({ error: 'CHAIN_BROKEN', flag: { code: 'CHANGED_EVENT', seq: 4 }, head: { seq: 8, hash: events[7]?.hash } });
      expect((await storeRow(store))?.flag).toMatchObject({ code: 'CHANGED_EVENT', seq: 4 });
      // The genuine next event is refused too until an admin clears the flag.
      appendFiller(box.ledger, 1);
      const next = await push(credential, eventsOf(box.ledger, 9));
      expect(next.body).toMatchObject({ error: 'STORE_FLAGGED' });
    } finally {
      box.cleanup();
    }
  });

  it('flags a fork (new events that do not link to the head) and an event whose content does not match its hash', async () => {
    const forkStore = 'H13010300004';
    const cred = await enrolStore(t, forkStore);
    const a = tempLedger();
    const b = tempLedger();
    try {
      appendFiller(a.ledger, 3);
      // Another ledger claiming to be the same store, written a minute later: with the same instant its first
      // events would hash exactly like a's (same payloads, same time) and link to a's head (a flake seen in CI).
      appendFiller(b.ledger, 5, new Date(Date.now() + 60_000));
      expect((await push(cred, eventsOf(a.ledger))).status).toBe(200);
      const r = await push(cred, eventsOf(b.ledger, 4));
      expect(r.body).toMatchObject({ error: 'CHAIN_BROKEN', flag: { code: 'FORK', seq: 4 }, accepted: 0 });

      const editStore = 'H13010300005';
      const cred2 = await enrolStore(t, editStore);
      const evs = eventsOf(b.ledger);
      const tampered = evs.map((e) => (e.seq === 3 ? { ...e, payload: '{"products":[]}' } : e));
      const r2 = await push(cred2, tampered);
      // The two events before the edit are kept: HQ's head is the last event known good.
      expect(r2.body).toMatchObject({ error: 'CHAIN_BROKEN', flag: { code: 'HASH_MISMATCH', seq: 3 }, accepted: 2, head: { seq: 2 } });
    } finally {
      a.cleanup();
      b.cleanup();
    }
  });

  it('refuses a payload with a raw U+001F (never in canonical JSON; HQ splits payloads on it) before storing anything', async () => {
    const cred = await enrolStore(t, 'H13010300013', '中山店');
    const l = tempLedger();
    try {
      appendFiller(l.ledger, 2);
      const [first, second] = eventsOf(l.ledger) as [Ev, Ev];
      // The character itself, as a box's bug (or a forger) would send it: JSON.stringify escapes it on the wire.
      const raw = String.fromCharCode(0x1f);
      const res = await push(cred, [first, { ...second, payload: second.payload.replace(/}$/, `,"x":"${raw}"}`) }]);
      expect(JSON.stringify({ p: raw })).toBe('{"p":"\\u001f"}');
      expect(res.status).toBe(400);
      expect(String(res.body.message)).toContain('控制字符');
      expect((await storeRow('H13010300013'))?.head.seq).toBe(0);
    } finally {
      l.cleanup();
    }
  });

  it('refuses a revoked credential at once', async () => {
    const store = 'H13010300006';
    const credential = await enrolStore(t, store);
    const box = tempLedger();
    try {
      appendFiller(box.ledger, 2);
      expect((await push(credential, eventsOf(box.ledger))).status).toBe(200);
      const { revokeCredentials } = await import('./enrolment.js');
      expect(await revokeCredentials(t.hq.pool, store)).toBe(1);
      const r = await push(credential, eventsOf(box.ledger));
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ error: 'CREDENTIAL_INVALID' });
      expect(String(r.body.message)).toContain('吊销');
      expect((await storeRow(store))?.credentials).toBe(0);
    } finally {
      box.cleanup();
    }
  });

  it('indexes trace codes across stores: where last received and sold, and whether sold and not returned', async () => {
    const credA = await enrolStore(t, 'H13010300007', '东门店');
    const credB = await enrolStore(t, 'H13010300008', '西门店');
    const a = tempLedger();
    const b = tempLedger();
    try {
      const [c1, c2, c3] = [newCode(), newCode(), newCode()];
      appendReceipt(a.ledger, [c1 as string, c2 as string, c3 as string], new Date('2026-12-01T02:00:00.000Z'));
      appendSale(a.ledger, [c1 as string, c2 as string], new Date('2026-12-02T03:00:00.000Z'));
      appendReversal(a.ledger, [c2 as string], new Date('2026-12-02T04:00:00.000Z'));
      // Store B sells c3 from uncoded stock (claimed): the same box, sold at two stores.
      appendSale(b.ledger, [c3 as string], new Date('2026-12-03T05:00:00.000Z'));
      expect((await push(credA, eventsOf(a.ledger))).status).toBe(200);
      expect((await push(credB, eventsOf(b.ledger))).status).toBe(200);

      const sold = await admin(`/hq/v1/codes/${c1}`);
      expect(sold.status).toBe(200);
      expect(sold.body).toMatchObject({
        soldNotReturned: true,
        lastReceived: { store: 'H13010300007', at: '2026-12-01T02:00:00.000Z' },
        lastSold: { store: 'H13010300007', at: '2026-12-02T03:00:00.000Z' },
        soldAt: [{ store: 'H13010300007', storeName: '东门店', at: '2026-12-02T03:00:00.000Z' }],
      });
      const returned = await admin(`/hq/v1/codes/${c2}`);
      expect(returned.body).toMatchObject({ soldNotReturned: false, soldAt: [] });
      // A store's box may ask too (with its own credential).
      const res = await fetch(`${t.hq.url}/hq/v1/codes/${c3}`, { headers: { authorization: `Bearer ${credA}` } });
      const twice = (await res.json()) as { soldAt: { store: string }[]; stores: unknown[]; lastSold: { store: string } };
      expect(twice.stores).toHaveLength(2);
      expect(twice.lastSold.store).toBe('H13010300008');
      expect(twice.soldAt.map((s) => s.store)).toEqual(['H13010300008']);
      const unknown = await admin('/hq/v1/codes/81000049999999999999');
      expect(unknown.body).toMatchObject({ soldNotReturned: false, stores: [], lastReceived: null, lastSold: null });
      // Without a credential: refused.
      expect((await fetch(`${t.hq.url}/hq/v1/codes/${c1}`)).status).toBe(401);
    } finally {
      a.cleanup();
      b.cleanup();
    }
  });

  it('one probe per code at ingest: a box received after another store sold it, then sold twice, is flagged and recorded for both stores, once', async () => {
    const credA = await enrolStore(t, 'H13010300011', '南门店');
    const credB = await enrolStore(t, 'H13010300012', '北门店');
    const a = tempLedger();
    const b = tempLedger();
    const flags = async (code: string) =>
      (
        await t.hq.pool.query<{ store_id: string; kind: string; other_store: string }>(
          'SELECT store_id, kind, other_store FROM code_flags WHERE code = $1 ORDER BY store_id, kind',
          [code],
        )
      ).rows;
    const conflicts = async (code: string) =>
      (
        await t.hq.pool.query<{ store_id: string; other_store_id: string }>(
          'SELECT store_id, other_store_id FROM code_conflicts WHERE code = $1 ORDER BY store_id',
          [code],
        )
      ).rows;
    try {
      const [x, y, alone] = [newCode(), newCode(), newCode()] as [string, string, string];
      appendReceipt(a.ledger, [x, y], new Date('2026-12-01T02:00:00.000Z'));
      appendSale(a.ledger, [x], new Date('2026-12-02T03:00:00.000Z'));
      expect((await push(credA, eventsOf(a.ledger))).status).toBe(200);
      // B receives x while A has it out, and y (A holds it in stock, not out), then sells x and a code only it knows.
      appendReceipt(b.ledger, [x, y, alone], new Date('2026-12-03T02:00:00.000Z'));
      expect((await push(credB, eventsOf(b.ledger))).status).toBe(200);
      expect(await flags(x)).toEqual([{ store_id: 'H13010300012', kind: 'RECEIVED_AFTER_SALE', other_store: 'H13010300011' }]);
      expect(await flags(y)).toEqual([]);
      expect(await conflicts(x)).toEqual([]);
      const before = eventsOf(b.ledger).length;
      appendSale(b.ledger, [x, alone], new Date('2026-12-03T05:00:00.000Z'));
      expect((await push(credB, eventsOf(b.ledger, before + 1))).status).toBe(200);
      expect(await flags(x)).toEqual([
        { store_id: 'H13010300012', kind: 'RECEIVED_AFTER_SALE', other_store: 'H13010300011' },
        { store_id: 'H13010300012', kind: 'SOLD_TWICE', other_store: 'H13010300011' },
      ]);
      expect(await conflicts(x)).toEqual([
        { store_id: 'H13010300011', other_store_id: 'H13010300012' },
        { store_id: 'H13010300012', other_store_id: 'H13010300011' },
      ]);
      expect(await flags(alone)).toEqual([]);
      // A later batch of B that does not touch x probes nothing for it: the rows stay as they were, one each.
      const later = eventsOf(b.ledger).length;
      appendSale(b.ledger, [y], new Date('2026-12-04T05:00:00.000Z'));
      expect((await push(credB, eventsOf(b.ledger, later + 1))).status).toBe(200);
      expect(await flags(x)).toHaveLength(2);
      expect(await conflicts(x)).toHaveLength(2);
      // y: sold at B, in stock at A (never sold there): neither a conflict nor SOLD_TWICE.
      expect(await flags(y)).toEqual([]);
      expect(await conflicts(y)).toEqual([]);
    } finally {
      a.cleanup();
      b.cleanup();
    }
  });

  it('two stores selling the same box at the same moment: both ingests overlap, the conflict is still recorded for both', async () => {
    const credA = await enrolStore(t, 'H13010300021', '东关店');
    const credB = await enrolStore(t, 'H13010300022', '西关店');
    const a = tempLedger();
    const b = tempLedger();
    const x = newCode();
    const blocker = await t.hq.pool.connect();
    try {
      // A's first batch creates its projection row, which the blocker then holds.
      appendReceipt(a.ledger, [newCode()], new Date('2026-12-05T01:00:00.000Z'));
      expect((await push(credA, eventsOf(a.ledger))).status).toBe(200);
      await blocker.query('BEGIN');
      await blocker.query("SELECT 1 FROM projection_state WHERE store_id = 'H13010300021' FOR UPDATE");
      // A's sale of x: its transaction writes x into the code index, then waits on the projection row, uncommitted.
      appendSale(a.ledger, [x], new Date('2026-12-05T02:00:00.000Z'));
      const pushA = push(credA, eventsOf(a.ledger, 2));
      const waiting = async () =>
        (
          await t.hq.pool.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%projection_state%'",
          )
        ).rows[0]?.n ?? 0;
      for (let i = 0; i < 200 && (await waiting()) === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(await waiting()).toBe(1);
      // Meanwhile B sells the same box and commits: A's row is not visible to it yet.
      appendSale(b.ledger, [x], new Date('2026-12-05T02:00:01.000Z'));
      expect((await push(credB, eventsOf(b.ledger))).status).toBe(200);
      await blocker.query('COMMIT');
      expect((await pushA).status).toBe(200);
      const conflicts = await t.hq.pool.query('SELECT store_id, other_store_id FROM code_conflicts WHERE code = $1 ORDER BY store_id', [x]);
      expect(conflicts.rows).toEqual([
        { store_id: 'H13010300021', other_store_id: 'H13010300022' },
        { store_id: 'H13010300022', other_store_id: 'H13010300021' },
      ]);
      // One SOLD_TWICE, at the later sale (B's, a second later), whichever store's check saw the pair.
      const flags = await t.hq.pool.query('SELECT store_id, kind, other_store FROM code_flags WHERE code = $1', [x]);
      expect(flags.rows).toEqual([{ store_id: 'H13010300022', kind: 'SOLD_TWICE', other_store: 'H13010300021' }]);
      const stores = await t.hq.pool.query("SELECT recheck_from FROM stores WHERE store_id IN ('H13010300021', 'H13010300022')");
      expect(stores.rows).toEqual([{ recheck_from: null }, { recheck_from: null }]);
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      blocker.release();
      a.cleanup();
      b.cleanup();
    }
  });

  it('a cross-store check lost to a crash after the commit is redone by the next batch, and at HQ start', async () => {
    const credA = await enrolStore(t, 'H13010300031', '南关店');
    const credB = await enrolStore(t, 'H13010300032', '北关店');
    const a = tempLedger();
    const b = tempLedger();
    const [x, y] = [newCode(), newCode()];
    const conflicts = async (code: string) =>
      (await t.hq.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM code_conflicts WHERE code = $1', [code])).rows[0]?.n;
    // What a crash between an ingest's commit and its check leaves: the events and the code index written,
    // recheck_from set (the same transaction), no conflict rows (the check never ran).
    const crashBeforeCheck = async (code: string, fromSeq: number) => {
      await t.hq.pool.query('DELETE FROM code_conflicts WHERE code = $1', [code]);
      await t.hq.pool.query('DELETE FROM code_flags WHERE code = $1', [code]);
      await t.hq.pool.query("UPDATE stores SET recheck_from = $1 WHERE store_id = 'H13010300032'", [fromSeq]);
    };
    try {
      appendSale(a.ledger, [x, y], new Date('2026-12-05T03:00:00.000Z'));
      expect((await push(credA, eventsOf(a.ledger))).status).toBe(200);
      appendSale(b.ledger, [x], new Date('2026-12-05T04:00:00.000Z'));
      appendSale(b.ledger, [y], new Date('2026-12-05T04:01:00.000Z'));
      expect((await push(credB, eventsOf(b.ledger))).status).toBe(200);
      expect(await conflicts(x)).toBe(2);
      expect(await conflicts(y)).toBe(2);

      // The next batch of the store, even one that touches no code, runs the pending check from its seq on.
      await crashBeforeCheck(x, 1);
      await t.hq.pool.query('DELETE FROM code_conflicts WHERE code = $1', [y]);
      expect(await conflicts(x)).toBe(0);
      appendFiller(b.ledger, 1, new Date('2026-12-05T05:00:00.000Z'));
      expect((await push(credB, eventsOf(b.ledger, 3))).status).toBe(200);
      expect(await conflicts(x)).toBe(2);
      expect(await conflicts(y)).toBe(2);

      // HQ restarted: the pending check runs before it serves.
      await crashBeforeCheck(x, 1);
      await t.stopHttp();
      await t.restartHttp();
      expect(await conflicts(x)).toBe(2);
      expect((await t.hq.pool.query("SELECT recheck_from FROM stores WHERE store_id = 'H13010300032'")).rows).toEqual([{ recheck_from: null }]);
    } finally {
      a.cleanup();
      b.cleanup();
    }
  });

  it("a batch's check that finds a later batch taken before it ran checks that one's codes too", async () => {
    const credA = await enrolStore(t, 'H13010300051', '南街店');
    const credB = await enrolStore(t, 'H13010300052', '北街店');
    const a = tempLedger();
    const b = tempLedger();
    const [x, y] = [newCode(), newCode()];
    const conflicts = async () =>
      (
        await t.hq.pool.query<{ code: string; n: number }>(
          'SELECT code, count(*)::int AS n FROM code_conflicts WHERE code IN ($1, $2) GROUP BY code ORDER BY code',
          [x, y],
        )
      ).rows;
    try {
      appendSale(a.ledger, [x, y], new Date('2026-12-05T07:00:00.000Z'));
      expect((await push(credA, eventsOf(a.ledger))).status).toBe(200);
      appendSale(b.ledger, [x], new Date('2026-12-05T07:05:00.000Z'));
      appendSale(b.ledger, [y], new Date('2026-12-05T07:06:00.000Z'));
      expect((await push(credB, eventsOf(b.ledger, 1, 1))).status).toBe(200);
      expect((await push(credB, eventsOf(b.ledger, 2, 2))).status).toBe(200);
      // As if the box had sent batch 2 (a retry) and HQ had taken it before batch 1's check ran: both checks pending.
      await t.hq.pool.query('DELETE FROM code_conflicts WHERE code IN ($1, $2)', [x, y]);
      await t.hq.pool.query("UPDATE stores SET recheck_from = 1 WHERE store_id = 'H13010300052'");
      await recheckStore(t.hq.pool, 'H13010300052', { from: 1, to: 1, codes: [{ code: x, sold: true }] });
      expect(await conflicts()).toEqual(
        [
          { code: x, n: 2 },
          { code: y, n: 2 },
        ].sort((p, q) => (p.code < q.code ? -1 : 1)),
      );
    } finally {
      a.cleanup();
      b.cleanup();
    }
  });

  it('a cross-store check that fails leaves the batch taken and the check pending, done by the next batch', async () => {
    const credA = await enrolStore(t, 'H13010300041', '东街店');
    const credB = await enrolStore(t, 'H13010300042', '西街店');
    const a = tempLedger();
    const b = tempLedger();
    const x = newCode();
    const conflicts = async () => (await t.hq.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM code_conflicts WHERE code = $1', [x])).rows[0]?.n;
    try {
      appendSale(a.ledger, [x], new Date('2026-12-05T06:00:00.000Z'));
      expect((await push(credA, eventsOf(a.ledger))).status).toBe(200);
      // The check's write fails (a fault in PostgreSQL, here a trigger): B's sale is still taken.
      await t.hq.pool.query(`CREATE FUNCTION refuse_conflict() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;
        CREATE TRIGGER refuse_conflict BEFORE INSERT ON code_conflicts FOR EACH ROW EXECUTE FUNCTION refuse_conflict()`);
      appendSale(b.ledger, [x], new Date('2026-12-05T06:05:00.000Z'));
      const first = await push(credB, eventsOf(b.ledger));
      expect(first.status).toBe(200);
      expect(first.body.head.seq).toBe(1);
      expect(await conflicts()).toBe(0);
      expect((await t.hq.pool.query("SELECT recheck_from FROM stores WHERE store_id = 'H13010300042'")).rows).toEqual([{ recheck_from: 1 }]);
      // Fault gone: B's next batch runs the pending check.
      await t.hq.pool.query('DROP TRIGGER refuse_conflict ON code_conflicts; DROP FUNCTION refuse_conflict()');
      appendFiller(b.ledger, 1, new Date('2026-12-05T06:10:00.000Z'));
      expect((await push(credB, eventsOf(b.ledger, 2))).status).toBe(200);
      expect(await conflicts()).toBe(2);
      expect((await t.hq.pool.query("SELECT recheck_from FROM stores WHERE store_id = 'H13010300042'")).rows).toEqual([{ recheck_from: null }]);
    } finally {
      await t.hq.pool.query('DROP TRIGGER IF EXISTS refuse_conflict ON code_conflicts; DROP FUNCTION IF EXISTS refuse_conflict()');
      a.cleanup();
      b.cleanup();
    }
  });

  it('behind a trusted reverse proxy, the sign-in lockout counts the forwarded client address, not the proxy', async () => {
    await addUser(t.hq.pool, { username: 'sun', displayName: '孙主管', role: 'admin', password: 'proxy-pass-123', stores: [] });
    const behind = await startHq({ databaseUrl: t.pg.url, host: '127.0.0.1', port: 0, adminTokenSha256: [], trustProxy: ['127.0.0.1'] });
    const login = (username: string, password: string, client: string) =>
      fetch(`${behind.url}/hq/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
        body: JSON.stringify({ username, password }),
      });
    try {
      // One browser guesses across many usernames until its address is locked.
      for (let i = 0; i < LOGIN_LIMITS.perIp; i++) expect((await login(`guess${i}`, 'wrong-password', '10.0.0.7')).status).toBe(401);
      expect((await login('sun', 'proxy-pass-123', '10.0.0.7')).status).toBe(429);
      // Everyone else, through the same proxy, still signs in.
      expect((await login('sun', 'proxy-pass-123', '10.0.0.8')).status).toBe(200);
      const { rows } = await t.hq.pool.query<{ ip: string; n: number }>(
        "SELECT ip, count(*)::int AS n FROM hq_login_attempts WHERE username LIKE 'guess%' GROUP BY ip",
      );
      expect(rows).toEqual([{ ip: '10.0.0.7', n: LOGIN_LIMITS.perIp }]);
    } finally {
      await t.hq.pool.query("DELETE FROM hq_login_attempts WHERE ip = '10.0.0.7'");
      await behind.close();
    }
  });

  it('lists stores only for a chain admin', async () => {
    expect((await fetch(`${t.hq.url}/hq/v1/stores`)).status).toBe(401);
    expect((await admin('/hq/v1/stores')).status).toBe(200);
  });
});
