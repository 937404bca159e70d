// The chain-wide code index at ingest and the cross-store check after it (hq/code-index.ts, hq/ingest.ts), against a
// real PostgreSQL and a real HQ: where a code was received and sold, boxes out at two stores, and the check's faults.
import { describe, expect, it } from 'vitest';
import { recheckCodes } from './code-index.js';
import {
  adminGet,
  appendFiller,
  appendReceipt,
  appendReversal,
  appendSale,
  enrolStore,
  eventsOf,
  newCode,
  pushEvents,
  tempLedger,
  testHqPerFile,
} from './hq.test-helpers.js';
import { recheckStore } from './ingest.js';

const t = testHqPerFile();

const push = (credential: string, events: ReturnType<typeof eventsOf>) => pushEvents(t, credential, events);
const admin = (path: string) => adminGet(t, path);
const conflictCount = async (code: string) =>
  (await t.hq.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM code_conflicts WHERE code = $1', [code])).rows[0]?.n;

describe('the chain-wide code index', () => {
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
    const conflicts = conflictCount;
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
    const conflicts = () => conflictCount(x);
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

  it('the check finds the one shared code among a thousand, and a code holding the list separator still gets checked', async () => {
    // Only codes some other store has get the full check (codesAtOtherStores): the pre-filter must not lose one.
    const credA = await enrolStore(t, 'H13010300061', '上营店');
    const credB = await enrolStore(t, 'H13010300062', '下营店');
    const a = tempLedger();
    const b = tempLedger();
    try {
      const many = Array.from({ length: 1000 }, () => newCode());
      const shared = many[617] as string;
      appendSale(a.ledger, [shared], new Date('2026-12-06T01:00:00.000Z'));
      expect((await push(credA, eventsOf(a.ledger))).status).toBe(200);
      appendSale(b.ledger, many, new Date('2026-12-06T02:00:00.000Z'));
      expect((await push(credB, eventsOf(b.ledger))).status).toBe(200);
      const rows = await t.hq.pool.query("SELECT store_id, code FROM code_conflicts WHERE store_id IN ('H13010300061', 'H13010300062') ORDER BY store_id");
      expect(rows.rows).toEqual([
        { store_id: 'H13010300061', code: shared },
        { store_id: 'H13010300062', code: shared },
      ]);

      // No ledger writes such a code; were one to reach the index, the check must not skip it.
      const odd = `${newCode()}\x1f1`;
      await t.hq.pool.query(
        `INSERT INTO trace_codes (code, store_id, pieces_out, sold_seq, sold_at) VALUES
           ($1, 'H13010300061', 1, 9, '2026-12-06T03:00:00Z'), ($1, 'H13010300062', 1, 9, '2026-12-06T03:01:00Z')`,
        [odd],
      );
      const client = await t.hq.pool.connect();
      try {
        await recheckCodes(
          client,
          'H13010300062',
          [
            { code: odd, sold: true },
            { code: many[0] as string, sold: true },
          ],
          new Date(),
        );
      } finally {
        client.release();
      }
      expect(await conflictCount(odd)).toBe(2);
    } finally {
      a.cleanup();
      b.cleanup();
    }
  });
});
