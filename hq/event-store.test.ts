// HQ's events kept one row per batch (hq/event-store.ts, HQ migration 7), against a real PostgreSQL: what a box sent
// comes back event by event, by seq range across batches, and through the view; a database of the old one-row-per-event
// schema migrates without losing or moving an event.
import { describe, expect, it } from 'vitest';
import { computeEventHash } from '../agent/ledger/events.js';
import { createPool } from './app.js';
import { migrate } from './db/migrations.js';
import { ensurePartitions } from './db/partitions.js';
import { heldHashes, readEvents } from './event-store.js';
import {
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
import { ingestBatch } from './ingest.js';

const t = testHqPerFile();

const withoutPrev = (e: ReturnType<typeof eventsOf>[number]) => ({
  seq: e.seq,
  at: e.at,
  type: e.type,
  actor: e.actor,
  reason: e.reason,
  payload: e.payload,
  hash: e.hash,
});

describe("HQ's events, one row per batch", () => {
  it('gives back every event as the box sent it, by seq range across batches, and through the events view', async () => {
    const store = 'H13010300071';
    const credential = await enrolStore(t, store, '河西店');
    const box = tempLedger();
    try {
      const code = newCode();
      appendReceipt(box.ledger, [code], new Date('2026-11-30T23:59:59.000Z'));
      appendSale(box.ledger, [code], new Date('2026-12-01T00:00:01.000Z'));
      appendReversal(box.ledger, [code], new Date('2026-12-01T00:00:02.000Z')); // a reason in Chinese
      appendFiller(box.ledger, 40, new Date('2026-12-02T00:00:00.000Z'));
      const sent = eventsOf(box.ledger);
      // Three batches of uneven size, as a box's pushes would be.
      for (const [from, to] of [
        [1, 7],
        [8, 8],
        [9, sent.length],
      ] as const) {
        expect((await pushEvents(t, credential, eventsOf(box.ledger, from, to))).status).toBe(200);
      }
      const rows = await t.hq.pool.query<{ first_seq: string; last_seq: string }>(
        'SELECT first_seq, last_seq FROM event_batches WHERE store_id = $1 ORDER BY first_seq',
        [store],
      );
      expect(rows.rows.map((r) => [Number(r.first_seq), Number(r.last_seq)])).toEqual([
        [1, 7],
        [8, 8],
        [9, sent.length],
      ]);

      const client = await t.hq.pool.connect();
      try {
        expect(await readEvents(client, store, 1, sent.length)).toEqual(sent.map(withoutPrev));
        // A range that starts and ends inside batches.
        expect(await readEvents(client, store, 5, 12)).toEqual(sent.slice(4, 12).map(withoutPrev));
        expect(await readEvents(client, store, 8, 8)).toEqual([withoutPrev(sent[7] as (typeof sent)[number])]);
        expect(await readEvents(client, store, sent.length + 1, sent.length + 10)).toEqual([]);
        const hashes = await heldHashes(client, store, 6, 10);
        expect([...hashes.entries()]).toEqual(sent.slice(5, 10).map((e) => [e.seq, e.hash]));
        // Every event read back still gives its own hash.
        for (const e of await readEvents(client, store, 1, sent.length)) {
          expect(computeEventHash({ ...e, prev_hash: (sent[e.seq - 1] as (typeof sent)[number]).prev_hash })).toBe(e.hash);
        }
      } finally {
        client.release();
      }

      // The view: one row per event, for people reading HQ's database with SQL.
      const view = await t.hq.pool.query<{ seq: string; at: Date; type: string; actor: string | null; payload: string; hash: Buffer }>(
        'SELECT seq, at, type, actor, payload, hash FROM events WHERE store_id = $1 ORDER BY seq',
        [store],
      );
      expect(
        view.rows.map((r) => ({ seq: Number(r.seq), at: r.at.toISOString(), type: r.type, actor: r.actor, payload: r.payload, hash: r.hash.toString('hex') })),
      ).toEqual(sent.map((e) => ({ seq: e.seq, at: e.at, type: e.type, actor: e.actor, payload: e.payload, hash: e.hash })));
    } finally {
      box.cleanup();
    }
  });

  it('keeps the long columns compressed with lz4 (Debian’s PostgreSQL has it), in every partition', async () => {
    const { rows } = await t.hq.pool.query<{ attname: string; attcompression: string; n: number }>(
      `SELECT a.attname, a.attcompression, count(*)::int AS n FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent
       JOIN pg_attribute a ON a.attrelid = i.inhrelid WHERE p.relname = 'event_batches' AND a.attname IN ('heads', 'payloads', 'hashes')
       GROUP BY a.attname, a.attcompression ORDER BY a.attname`,
    );
    expect(rows.map((r) => [r.attname, r.attcompression])).toEqual([
      ['hashes', 'l'],
      ['heads', 'l'],
      ['payloads', 'l'],
    ]);
  });

  it('migrates a database of one row per event: every event kept, in its month’s partition, and ingest goes on from the head', async () => {
    await t.hq.pool.query('CREATE DATABASE hq_v6');
    const pool = createPool(t.pg.url.replace(/\/hq\?/, '/hq_v6?'), 2);
    const store = 'H13010300072';
    const box = tempLedger();
    try {
      await migrate(pool, 6);
      // Events as schema 6 kept them: a monthly partition (what the service made ahead), one row per event.
      await pool.query("CREATE TABLE events_202611 PARTITION OF events FOR VALUES FROM ('2026-11-01T00:00:00.000Z') TO ('2026-12-01T00:00:00.000Z')");
      await pool.query("INSERT INTO stores (store_id, name) VALUES ($1, '老店')", [store]);
      appendFiller(box.ledger, 3, new Date('2026-11-20T00:00:00.000Z'));
      appendSale(box.ledger, [newCode()], new Date('2026-11-21T00:00:00.000Z'));
      appendFiller(box.ledger, 2, new Date('2031-01-01T00:00:00.000Z')); // a box with a wild clock: the DEFAULT partition
      const old = eventsOf(box.ledger);
      for (const e of old) {
        await pool.query("INSERT INTO events (store_id, seq, at, type, actor, reason, payload, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, decode($8, 'hex'))", [
          store,
          e.seq,
          e.at,
          e.type,
          e.actor,
          e.reason,
          e.payload,
          e.hash,
        ]);
      }
      const last = old[old.length - 1] as (typeof old)[number];
      await pool.query("UPDATE stores SET head_seq = $2, head_hash = decode($3, 'hex') WHERE store_id = $1", [store, last.seq, last.hash]);

      expect(await migrate(pool)).toBeGreaterThanOrEqual(7);
      const client = await pool.connect();
      try {
        expect(await readEvents(client, store, 1, old.length)).toEqual(old.map(withoutPrev));
      } finally {
        client.release();
      }
      const where = await pool.query<{ part: string; n: number }>(
        'SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM event_batches GROUP BY 1 ORDER BY 1',
      );
      expect(where.rows).toEqual([
        { part: 'event_batches_202611', n: 4 },
        { part: 'event_batches_default', n: 2 },
      ]);
      // The service's partitions come after the migration, and the month the old table had is not lost to DEFAULT.
      const made = await ensurePartitions(pool, new Date('2026-12-07T00:00:00.000Z'));
      expect(made.skipped).toEqual([]);
      // Ingest goes on from the migrated head: the next event links to the last migrated one.
      appendFiller(box.ledger, 2, new Date('2031-01-02T00:00:00.000Z'));
      const r = await ingestBatch(pool, store, eventsOf(box.ledger, old.length + 1));
      expect(r).toMatchObject({ kind: 'ok', accepted: 2 });
      // A batch sent again is a no-op: the migrated events' hashes are found.
      expect(await ingestBatch(pool, store, eventsOf(box.ledger))).toMatchObject({ kind: 'ok', accepted: 0, duplicates: old.length + 2 });
    } finally {
      await pool.end();
      box.cleanup();
    }
  });
});
