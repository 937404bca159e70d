import type pg from 'pg';
import { computeEventHash, GENESIS_HASH, type StoredEvent } from '../agent/ledger/events.js';
import { type CodeChange, type CodeToCheck, codeChanges, codesToCheck, recheckCodes, upsertCodeChanges } from './code-index.js';
import { inTransaction } from './db/transaction.js';
import { heldHashes, insertEventBatch, readEvents } from './event-store.js';
import { forgetPayloads } from './payload.js';
import { type Projection, project, projectStore } from './projections.js';
import { applyTransferEvents } from './transfers.js';

/** One ledger event as the box sends it: the ledger's row, unchanged (agent/ledger/events.ts). */
export type WireEvent = StoredEvent;

export type FlagCode = 'HASH_MISMATCH' | 'CHANGED_EVENT' | 'FORK' | 'GAP';

export interface StoreFlag {
  code: FlagCode;
  seq: number;
  detail: string;
  at: string;
}

export interface Head {
  seq: number;
  hash: string;
}

export type IngestResult =
  | { kind: 'ok'; accepted: number; duplicates: number; head: Head }
  /** The batch starts beyond head + 1: nothing stored; the box resumes from expectedSeq. */
  | { kind: 'out_of_order'; expectedSeq: number; head: Head }
  /** The store was flagged earlier: nothing more is taken until someone looks. */
  | { kind: 'flagged'; flag: StoreFlag; head: Head }
  /** This batch broke the chain: the events before the break are kept, the store is flagged. */
  | { kind: 'broken'; accepted: number; flag: StoreFlag; head: Head };

const FLAG_TEXT: Record<FlagCode, string> = {
  HASH_MISMATCH: 'event content does not match its own hash (edited after it was written)',
  CHANGED_EVENT: 'an event HQ already holds arrived with a different hash (the ledger was rewritten or rehashed)',
  FORK: "the event does not link to the previous event's hash (forked or rehashed chain)",
  GAP: 'a sequence number is missing (events cut from the ledger)',
};

/**
 * Takes one store's batch in one transaction, under the store row's lock (two pushes of one box never interleave):
 * known seqs must carry the hash HQ holds (no-op), new ones must start at head + 1 and link hash to hash. The first
 * violation flags the store; what came before it is kept, so HQ's head is the last event known good. Then, committed,
 * the codes the batch sold or received are checked against the other stores (recheckStore). A check that fails
 * leaves the batch taken and the check pending: onCheckError hears of it, the next batch or HQ's start redoes it.
 */
export async function ingestBatch(
  pool: pg.Pool,
  storeId: string,
  events: readonly WireEvent[],
  now = new Date(),
  onCheckError?: (err: Error) => void,
): Promise<IngestResult> {
  const checked = checkBatch(events);
  const taken = await inTransaction(pool, (client) => ingestIn(client, storeId, checked, now));
  if (taken.check) await recheckStore(pool, storeId, taken.check === 'pending' ? null : taken.check, now).catch((err: Error) => onCheckError?.(err));
  return taken.result;
}

/**
 * The part of an ingest that needs no database, done before a connection is taken: each event's content against its
 * own hash, and the batch's code changes (which parses the payloads, cached for the projections). Done inside the
 * transaction it held a pooled connection and the store row's lock through most of HQ's CPU per batch, so
 * PostgreSQL waited on HQ's event loop while other stores' requests queued for a connection.
 */
interface CheckedBatch {
  events: readonly WireEvent[];
  /** The events whose content does not give their own hash (computeEventHash): edited after they were written. */
  edited: ReadonlySet<WireEvent>;
  /** codeChanges of all the events: what the index gets when the whole batch is new (the usual case). */
  changes: CodeChange[];
  /** The projections' fold of all the events (hq/projections.ts), likewise. */
  folded: Projection;
}

function checkBatch(events: readonly WireEvent[]): CheckedBatch {
  const checked = { events, edited: new Set(events.filter((e) => computeEventHash(e) !== e.hash)), changes: codeChanges(events), folded: project(events) };
  forgetPayloads(events);
  return checked;
}

/** The codes a batch sold or received, with the seqs they came from (from..to). */
export interface BatchCodes {
  from: number;
  to: number;
  codes: CodeToCheck[];
}

/**
 * What a committed ingest leaves for the cross-store check: this batch's codes; 'pending' when the batch brought none
 * but an earlier check is still to do (stores.recheck_from); null when nothing is.
 */
interface Taken {
  result: IngestResult;
  check: BatchCodes | 'pending' | null;
}

/**
 * The cross-store check of a store's codes (hq/code-index.ts recheckCodes), in its own transaction under the store
 * row's lock. stores.recheck_from says from which seq it is pending; the batch just committed brings its codes,
 * anything older (a check lost to a crash) is read back from the events. Clears recheck_from when done.
 */
export async function recheckStore(pool: pg.Pool, storeId: string, batch: BatchCodes | null, now = new Date()): Promise<void> {
  await inTransaction(pool, async (client) => {
    // Not waited on to disk: a check whose commit a crash loses left recheck_from set, and is redone at start.
    // No sequential scan: the planner costed one over a small code index (80 k rows) below a thousand index probes for
    // the batch's codes (codesAtOtherStores), then tested every row against the thousand codes — 43 ms a batch
    // (auto_explain in `npm run bench`), growing with the index until its estimate flipped. Every statement here
    // reads trace_codes by code.
    await client.query('SET LOCAL synchronous_commit = off; SET LOCAL enable_seqscan = off');
    const { rows } = await client.query<{ recheck_from: number | null; head_seq: number }>({
      name: 'hq-recheck-lock',
      text: 'SELECT recheck_from, head_seq FROM stores WHERE store_id = $1 FOR UPDATE',
      values: [storeId],
    });
    const from = rows[0]?.recheck_from ?? null;
    if (from !== null) {
      let codes = batch?.codes ?? [];
      // The batch's own codes cover the pending range only if it is exactly that batch: an older check left pending,
      // or a later batch of the box (a retry sent before this answer) taken in between, means reading the events back.
      if (batch?.from !== from || batch.to !== Number(rows[0]?.head_seq)) {
        codes = codesToCheck(codeChanges(await readEvents(client, storeId, from, Number(rows[0]?.head_seq))));
      }
      await recheckCodes(client, storeId, codes, now);
      await client.query({ name: 'hq-recheck-done', text: 'UPDATE stores SET recheck_from = NULL WHERE store_id = $1', values: [storeId] });
    }
  });
}

/** Checks left pending by a crash between an ingest's commit and its check; run at HQ's start. */
export async function recheckPending(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ store_id: string }>('SELECT store_id FROM stores WHERE recheck_from IS NOT NULL');
  for (const r of rows) await recheckStore(pool, r.store_id, null);
  return rows.length;
}

async function ingestIn(client: pg.PoolClient, storeId: string, batch: CheckedBatch, now: Date): Promise<Taken> {
  const { events, edited } = batch;
  const { rows } = await client.query<{
    head_seq: string;
    head_hash: Buffer;
    flag_code: FlagCode | null;
    flag_seq: string | null;
    flag_detail: string | null;
    flagged_at: Date | null;
    recheck_from: number | null;
  }>({
    // The UPDATE takes the store row's lock, as SELECT … FOR UPDATE would, and a push waiting on another push of the
    // same box reads the head that one committed (PostgreSQL re-reads an updated row after the wait). Named
    // statements (here and below) are parsed and planned once per connection, not once per batch.
    name: 'hq-ingest-lock-store',
    text: 'UPDATE stores SET last_contact_at = $2 WHERE store_id = $1 RETURNING head_seq, head_hash, flag_code, flag_seq, flag_detail, flagged_at, recheck_from',
    values: [storeId, now],
  });
  const store = rows[0];
  if (!store) throw new Error(`store ${storeId} not enrolled`);
  let head: Head = { seq: Number(store.head_seq), hash: store.head_hash.toString('hex') };
  // A check left pending by a crash is run after this commit whatever the batch holds.
  const pending: Taken['check'] = store.recheck_from === null ? null : 'pending';
  const taken = (result: IngestResult, check: Taken['check'] = pending): Taken => ({ result, check });
  if (store.flag_code) {
    return taken({
      kind: 'flagged',
      head,
      flag: { code: store.flag_code, seq: Number(store.flag_seq), detail: store.flag_detail ?? '', at: (store.flagged_at ?? now).toISOString() },
    });
  }
  const first = events[0];
  if (!first) return taken({ kind: 'ok', accepted: 0, duplicates: 0, head });
  if (first.seq > head.seq + 1) return taken({ kind: 'out_of_order', expectedSeq: head.seq + 1, head });

  let flag: StoreFlag | null = null;
  const raise = (code: FlagCode, seq: number, extra = ''): void => {
    flag = { code, seq, detail: `${FLAG_TEXT[code]}${extra}`, at: now.toISOString() };
  };
  // Known events: compare with what HQ holds.
  const known = events.filter((e) => e.seq <= head.seq);
  let duplicates = 0;
  if (known.length > 0) {
    const bySeq = await heldHashes(client, storeId, (known[0] as WireEvent).seq, (known[known.length - 1] as WireEvent).seq);
    for (const e of known) {
      if (bySeq.get(e.seq) !== e.hash || edited.has(e)) {
        raise('CHANGED_EVENT', e.seq, `: seq ${e.seq}`);
        break;
      }
      duplicates++;
    }
  }
  // New events: each one's content must give its hash and link to the one before.
  const fresh: WireEvent[] = [];
  if (!flag) {
    let prev = head;
    for (const e of events) {
      if (e.seq <= head.seq) continue;
      if (e.seq !== prev.seq + 1) {
        raise('GAP', prev.seq + 1, `: expected seq ${prev.seq + 1}, got ${e.seq}`);
        break;
      }
      if (edited.has(e)) {
        raise('HASH_MISMATCH', e.seq, `: seq ${e.seq}`);
        break;
      }
      if (e.prev_hash !== (prev.seq === 0 ? GENESIS_HASH : prev.hash)) {
        raise('FORK', e.seq, `: seq ${e.seq}`);
        break;
      }
      fresh.push(e);
      prev = { seq: e.seq, hash: e.hash };
    }
  }
  let check: Taken['check'] = pending;
  if (fresh.length > 0) {
    await insertEventBatch(client, storeId, fresh, now);
    const changes = fresh.length === events.length ? batch.changes : codeChanges(fresh);
    await upsertCodeChanges(client, storeId, changes);
    const codes = codesToCheck(changes);
    if (codes.length > 0) check = { from: head.seq + 1, to: (fresh[fresh.length - 1] as WireEvent).seq, codes };
    await projectStore(client, storeId, fresh, undefined, fresh.length === events.length ? batch.folded : undefined);
    await applyTransferEvents(client, storeId, fresh);
    const last = fresh[fresh.length - 1] as WireEvent;
    head = { seq: last.seq, hash: last.hash };
    await client.query({
      name: 'hq-ingest-head',
      text: "UPDATE stores SET head_seq = $2, head_hash = decode($3, 'hex'), head_at = $4, recheck_from = COALESCE(recheck_from, $5) WHERE store_id = $1",
      values: [storeId, head.seq, head.hash, last.at, check && check !== 'pending' ? check.from : null],
    });
  }
  const raised = flag as StoreFlag | null;
  if (raised) {
    await client.query('UPDATE stores SET flag_code = $2, flag_seq = $3, flag_detail = $4, flagged_at = $5 WHERE store_id = $1', [
      storeId,
      raised.code,
      raised.seq,
      raised.detail,
      now,
    ]);
    return taken({ kind: 'broken', accepted: fresh.length, flag: raised, head }, check);
  }
  return taken({ kind: 'ok', accepted: fresh.length, duplicates, head }, check);
}

export async function storeHead(pool: pg.Pool, storeId: string): Promise<{ head: Head; flag: StoreFlag | null } | null> {
  const { rows } = await pool.query<{
    head_seq: string;
    head_hash: Buffer;
    flag_code: FlagCode | null;
    flag_seq: string | null;
    flag_detail: string | null;
    flagged_at: Date | null;
  }>('SELECT head_seq, head_hash, flag_code, flag_seq, flag_detail, flagged_at FROM stores WHERE store_id = $1', [storeId]);
  const r = rows[0];
  if (!r) return null;
  return {
    head: { seq: Number(r.head_seq), hash: r.head_hash.toString('hex') },
    flag: r.flag_code ? { code: r.flag_code, seq: Number(r.flag_seq), detail: r.flag_detail ?? '', at: (r.flagged_at ?? new Date()).toISOString() } : null,
  };
}

/** Clearing a flag is a chain admin's decision after looking at the box (CLI `hq unflag`). */
export async function clearFlag(pool: pg.Pool, storeId: string): Promise<boolean> {
  const r = await pool.query(
    'UPDATE stores SET flag_code = NULL, flag_seq = NULL, flag_detail = NULL, flagged_at = NULL WHERE store_id = $1 AND flag_code IS NOT NULL',
    [storeId],
  );
  return r.rowCount === 1;
}
