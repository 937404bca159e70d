import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../agent/log.js';
import { issueEnrolCode, revokeCredentials } from '../../hq/enrolment.js';
import { appendFiller, appendSale, enrolStore, eventsOf, newCode, tempLedger, testHqPerFile } from '../../hq/hq.test-helpers.js';
import { checkAnchor } from './anchor.js';
import { HqReplicator } from './replicator.js';

const t = testHqPerFile();

const log = createLogger('silent');
const PUSH = fileURLToPath(new URL('../../test/support/hq-push.mjs', import.meta.url));

async function hqEvents(store: string): Promise<{ n: number; distinct: number; max: number | null; contiguous: boolean }> {
  const { rows } = await t.hq.pool.query<{ n: number; d: number; m: number | null }>(
    'SELECT count(*)::int AS n, count(DISTINCT seq)::int AS d, max(seq)::int AS m FROM events WHERE store_id = $1',
    [store],
  );
  const r = rows[0] as { n: number; d: number; m: number | null };
  return { n: r.n, distinct: r.d, max: r.m, contiguous: r.n === (r.m ?? 0) };
}

async function drain(rep: HqReplicator, maxSteps = 1000): Promise<void> {
  for (let i = 0; i < maxSteps; i++) {
    const r = await rep.step();
    if (r === 'idle') return;
    if (r === 'error') throw new Error(`replication step failed: ${rep.status().lastError}`);
  }
  throw new Error('replication did not finish');
}

async function waitFor(cond: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out waiting');
}

describe('box → HQ replication', () => {
  it('enrols with a one-time code, keeps the credential in the ledger and pushes every event in order', async () => {
    const store = 'H23010300001';
    const { code } = await issueEnrolCode(t.hq.pool, store, '一号店');
    const box = tempLedger();
    try {
      appendFiller(box.ledger, 1234);
      const rep = new HqReplicator({ db: box.ledger.db, url: t.hq.url, storeCode: store, enrolmentCode: code, batchSize: 500, log });
      await drain(rep);
      expect(await hqEvents(store)).toEqual({ n: 1234, distinct: 1234, max: 1234, contiguous: true });
      expect(rep.status()).toMatchObject({ ackedSeq: 1234, localSeq: 1234, lag: 0, lastError: null });
      expect(box.ledger.db.prepare('SELECT credential FROM hq_replication').pluck().get()).toMatch(new RegExp(`^${store}\\.`));
      // A new pusher on the same ledger (a restart) needs no code: the used code would be refused anyway.
      appendFiller(box.ledger, 3);
      const again = new HqReplicator({ db: box.ledger.db, url: t.hq.url, storeCode: store, enrolmentCode: code, batchSize: 500, log });
      await drain(again);
      expect((await hqEvents(store)).max).toBe(1237);
      const anchor = await checkAnchor(box.ledger.db, t.hq.url, box.ledger.db.prepare('SELECT credential FROM hq_replication').pluck().get() as string);
      expect(anchor).toMatchObject({ ok: true, localSeq: 1237, hqSeq: 1237 });
    } finally {
      box.cleanup();
    }
  });

  it('sells through HQ being down, then drains in order when it returns', async () => {
    const store = 'H23010300002';
    const credential = await enrolStore(t, store);
    const box = tempLedger();
    try {
      await t.stopHttp();
      const rep = new HqReplicator({ db: box.ledger.db, url: t.hq.url, storeCode: store, credential, batchSize: 200, log });
      for (let day = 0; day < 3; day++) {
        appendFiller(box.ledger, 300); // the box keeps writing its ledger
        expect(await rep.step()).toBe('error');
      }
      expect(rep.status()).toMatchObject({ ackedSeq: 0, localSeq: 900, lag: 900 });
      expect(rep.status().lastError).toMatch(/unreachable/);
      await t.restartHttp();
      await drain(rep);
      expect(await hqEvents(store)).toEqual({ n: 900, distinct: 900, max: 900, contiguous: true });
      expect(rep.status()).toMatchObject({ lag: 0, lastError: null });
    } finally {
      box.cleanup();
    }
  });

  it('loses nothing and doubles nothing when PostgreSQL restarts mid-ingest', async () => {
    const store = 'H23010300003';
    const credential = await enrolStore(t, store);
    const box = tempLedger();
    try {
      appendFiller(box.ledger, 4000);
      const rep = new HqReplicator({
        db: box.ledger.db,
        url: t.hq.url,
        storeCode: store,
        credential,
        batchSize: 50,
        log,
        backoff: { initialMs: 100, maxMs: 400 },
        idleMs: 50,
      });
      rep.start();
      await waitFor(() => rep.status().ackedSeq >= 200);
      await t.pg.restart();
      // Writes continue on the box meanwhile.
      appendFiller(box.ledger, 100);
      await waitFor(() => rep.status().lag === 0 && rep.status().localSeq === 4100, 60_000);
      await rep.stop();
      expect(await hqEvents(store)).toEqual({ n: 4100, distinct: 4100, max: 4100, contiguous: true });
      const last = eventsOf(box.ledger, 4100)[0];
      const { rows } = await t.hq.pool.query("SELECT head_seq::int AS seq, encode(head_hash, 'hex') AS hash FROM stores WHERE store_id = $1", [store]);
      expect(rows[0]).toEqual({ seq: 4100, hash: last?.hash });
    } finally {
      box.cleanup();
    }
  }, 90_000);

  it('resumes from HQ head whichever side lost its cursor (acks lost in a SIGKILL; HQ behind the box)', async () => {
    const store = 'H23010300004';
    const credential = await enrolStore(t, store);
    const box = tempLedger();
    try {
      appendFiller(box.ledger, 600);
      const rep = new HqReplicator({ db: box.ledger.db, url: t.hq.url, storeCode: store, credential, batchSize: 250, log });
      await drain(rep);
      // The box lost its acknowledgements (killed before they reached the disk): it sends again, HQ takes nothing twice.
      box.ledger.db.prepare('UPDATE hq_replication SET acked_seq = 0, acked_hash = NULL').run();
      appendFiller(box.ledger, 10);
      await drain(rep);
      expect(await hqEvents(store)).toEqual({ n: 610, distinct: 610, max: 610, contiguous: true });
      // The box believes HQ has more than it does (HQ restored from an older backup, which holds whole batches: HQ
      // keeps one row per batch, hq/event-store.ts): HQ names the seq it needs.
      const cut = await t.hq.pool.query<{ seq: string }>('DELETE FROM event_batches WHERE store_id = $1 AND first_seq > 300 RETURNING first_seq - 1 AS seq', [
        store,
      ]);
      const kept = Math.min(...cut.rows.map((r) => Number(r.seq)));
      expect(kept).toBeGreaterThan(0);
      expect(kept).toBeLessThan(600);
      const h = eventsOf(box.ledger, kept)[0];
      await t.hq.pool.query("UPDATE stores SET head_seq = $3, head_hash = decode($2, 'hex') WHERE store_id = $1", [store, h?.hash, kept]);
      appendFiller(box.ledger, 5);
      await drain(rep);
      expect(await hqEvents(store)).toEqual({ n: 615, distinct: 615, max: 615, contiguous: true });
    } finally {
      box.cleanup();
    }
  });

  it('verify-ledger --anchor: a ledger rewritten on the box no longer matches HQ', async () => {
    const store = 'H23010300005';
    const credential = await enrolStore(t, store);
    const box = tempLedger();
    try {
      appendSale(box.ledger, [newCode()]);
      appendFiller(box.ledger, 20);
      const rep = new HqReplicator({ db: box.ledger.db, url: t.hq.url, storeCode: store, credential, batchSize: 500, log });
      await drain(rep);
      expect(await checkAnchor(box.ledger.db, t.hq.url, credential)).toMatchObject({ ok: true, hqSeq: 21 });
      // Someone with root on the box drops the append-only trigger and rewrites the last event's hash.
      box.ledger.db.exec('DROP TRIGGER events_append_only_update');
      box.ledger.db.prepare('UPDATE events SET hash = ? WHERE seq = 21').run('f'.repeat(64));
      const r = await checkAnchor(box.ledger.db, t.hq.url, credential);
      expect(r.ok).toBe(false);
      expect(r.message).toContain('event 21 differs');
      // A cut ledger: HQ holds more than the box.
      box.ledger.db.exec('DROP TRIGGER events_append_only_delete');
      box.ledger.db.prepare('DELETE FROM events WHERE seq > 10').run();
      expect((await checkAnchor(box.ledger.db, t.hq.url, credential)).message).toContain('HQ holds 21 events but this ledger only 10');
    } finally {
      box.cleanup();
    }
  });

  it('stops with the reason when the credential is revoked', async () => {
    const store = 'H23010300006';
    const credential = await enrolStore(t, store);
    const box = tempLedger();
    try {
      appendFiller(box.ledger, 5);
      const rep = new HqReplicator({ db: box.ledger.db, url: t.hq.url, storeCode: store, credential, batchSize: 500, log });
      await drain(rep);
      await revokeCredentials(t.hq.pool, store);
      appendFiller(box.ledger, 1);
      expect(await rep.step()).toBe('error');
      expect(rep.status()).toMatchObject({ lag: 1 });
      expect(rep.status().lastError).toContain('吊销');
    } finally {
      box.cleanup();
    }
  });

  it('a pusher process SIGKILLed mid-stream: the next one resumes, nothing doubled, nothing skipped (needs the built dist/)', async () => {
    const store = 'H23010300007';
    const credential = await enrolStore(t, store);
    const box = tempLedger();
    try {
      appendFiller(box.ledger, 3000);
      box.ledger.close();
      const child = spawn(process.execPath, [PUSH, box.path, t.hq.url, store, credential, '20'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let acked = 0;
      child.stdout.on('data', (d: Buffer) => {
        acked = Number(d.toString().trim().split('\n').pop());
        if (acked >= 400 && child.exitCode === null) child.kill('SIGKILL');
      });
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
      expect(signal).toBe('SIGKILL');
      const midway = await hqEvents(store);
      expect(midway.contiguous).toBe(true);
      expect(midway.max).toBeLessThan(3000);
      const again = spawn(process.execPath, [PUSH, box.path, t.hq.url, store, credential, '500'], { stdio: ['ignore', 'ignore', 'inherit'] });
      expect(await new Promise((resolve) => again.once('exit', resolve))).toBe(0);
      expect(await hqEvents(store)).toEqual({ n: 3000, distinct: 3000, max: 3000, contiguous: true });
    } finally {
      box.cleanup();
    }
  }, 60_000);
});
