// Shared by the HQ and replication tests: a real PostgreSQL server, a real HQ, real ledgers.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { Ledger } from '../agent/ledger/index.js';
import { type RunningHq, startHq } from './app.js';
import { issueEnrolCode } from './enrolment.js';
import { type LocalPostgres, startLocalPostgres } from './pg-local.js';

export interface TestHq {
  pg: LocalPostgres;
  hq: RunningHq;
  adminToken: string;
  /** Starts the HTTP side again on the same port (after stopHttp). */
  restartHttp(): Promise<void>;
  stopHttp(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestHq(into: Partial<TestHq> = {}): Promise<TestHq> {
  // fsync off: durability across a crash of the machine is PostgreSQL's, not under test (restarts are clean).
  const pg = await startLocalPostgres({ settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } });
  const adminToken = randomBytes(16).toString('hex');
  const opts = { databaseUrl: pg.url, host: '127.0.0.1', adminTokenSha256: [createHash('sha256').update(adminToken).digest('hex')] };
  try {
    // Built into `into` (testHqPerFile hands that object out before HQ exists), so restartHttp updates what tests hold.
    const t: TestHq = Object.assign(into, {
      pg,
      adminToken,
      hq: await startHq({ ...opts, port: 0 }),
      async stopHttp() {
        await t.hq.close();
      },
      async restartHttp() {
        t.hq = await startHq({ ...opts, port: Number(new URL(t.hq.url).port) });
      },
      async close() {
        try {
          await t.hq.close().catch(() => undefined);
        } finally {
          await pg.stop();
        }
      },
    });
    return t;
  } catch (err) {
    await pg.stop();
    throw err;
  }
}

/**
 * One HQ on its own PostgreSQL for the calling test file: started before its first test, stopped after its last.
 * The object is handed out now and filled in then.
 */
export function testHqPerFile(): TestHq {
  const t = {} as TestHq;
  beforeAll(async () => {
    await startTestHq(t);
  }, 120_000);
  afterAll(async () => {
    await t.close?.();
  });
  return t;
}

export async function enrolStore(t: TestHq, store: string, name = `门店 ${store}`): Promise<string> {
  const { code } = await issueEnrolCode(t.hq.pool, store, name);
  const res = await fetch(`${t.hq.url}/hq/v1/enrol`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ store, code }),
  });
  if (res.status !== 201) throw new Error(`enrol ${store}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { credential: string }).credential;
}

export function tempLedger(): { ledger: Ledger; dir: string; path: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'hq-box-'));
  const path = join(dir, 'ledger.sqlite');
  const ledger = Ledger.open(path);
  return {
    ledger,
    dir,
    path,
    cleanup: () => {
      try {
        ledger.close();
      } catch {
        /* already closed */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let codeCounter = 0;
/** A fresh 20-digit 码上放心 code, unique within the test run. */
export function newCode(prefix = '8100004'): string {
  codeCounter++;
  return `${prefix}${String(Date.now() % 1e6).padStart(6, '0')}${String(codeCounter).padStart(7, '0')}`;
}

/**
 * The ledger's own EventLog with a loose payload type: these events carry only what HQ reads (codes, pieces,
 * product), not every field the box's writers fill, so they are appended untyped on purpose.
 */
function appendLoose(ledger: Ledger, type: string, payload: unknown, meta: { at: Date; actor: string; reason?: string }): { seq: number } {
  return (ledger.log.append as unknown as (t: string, p: unknown, m: typeof meta) => { seq: number }).call(ledger.log, type, payload, meta);
}

/** Real ledger events (the ledger's own EventLog): a receipt of `codes`, shaped like receipts.ts writes it. */
export function appendReceipt(ledger: Ledger, codes: string[], at = new Date()): number {
  return ledger.db.transaction(
    () =>
      appendLoose(
        ledger,
        'receipt.recorded',
        { receiptId: 1, supplier: '测试医药', lines: [{ lineNo: 1, productId: 'P1', codes, pieces: codes.length }] },
        { at, actor: 'test' },
      ).seq,
  )();
}

export function appendSale(ledger: Ledger, codes: string[], at = new Date(), pieces = 1): number {
  return ledger.db.transaction(
    () =>
      appendLoose(
        ledger,
        'sale.settled',
        { saleId: 1, items: codes.map((code, i) => ({ itemId: i + 1, code, pieces, productId: 'P1' })) },
        { at, actor: 'test' },
      ).seq,
  )();
}

export function appendReversal(ledger: Ledger, codes: string[], at = new Date(), pieces = 1): number {
  return ledger.db.transaction(
    () =>
      appendLoose(
        ledger,
        'sale.reversed',
        { saleId: 1, items: codes.map((code, i) => ({ itemId: i + 1, code, pieces })) },
        { at, actor: 'test', reason: '退货' },
      ).seq,
  )();
}

/** n filler events (catalogue imports: no codes). */
export function appendFiller(ledger: Ledger, n: number, at = new Date()): void {
  ledger.db.transaction(() => {
    for (let i = 0; i < n; i++) ledger.log.append('catalog.imported', { products: [{ id: `P${i}` }] }, { at, actor: 'test' });
  })();
}

export function eventsOf(ledger: Ledger, from = 1, to = Number.MAX_SAFE_INTEGER) {
  return ledger.db
    .prepare('SELECT seq, at, type, actor, reason, payload, prev_hash, hash FROM events WHERE seq BETWEEN ? AND ? ORDER BY seq')
    .all(from, to) as {
    seq: number;
    at: string;
    type: string;
    actor: string | null;
    reason: string | null;
    payload: string;
    prev_hash: string;
    hash: string;
  }[];
}

/** POST /hq/v1/events with a store's credential: the status and the parsed answer. */
export async function pushEvents(t: TestHq, credential: string, events: ReturnType<typeof eventsOf>) {
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

/** GET with the chain admin's token. */
export async function adminGet(t: TestHq, path: string) {
  const res = await fetch(`${t.hq.url}${path}`, { headers: { authorization: `Bearer ${t.adminToken}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
