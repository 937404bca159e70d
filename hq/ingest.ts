import type pg from 'pg';
import { computeEventHash, GENESIS_HASH, type StoredEvent } from '../agent/ledger/events.js';
import { codeChanges, indexCodeChanges } from './code-index.js';
import { projectStore } from './projections.js';
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

/**
 * Joins the payloads for one parameter. A ledger payload is canonical JSON, which writes a control character only
 * escaped (\u001f), so U+001F never occurs in one; a payload that has it (or is empty, which string_to_array would
 * drop) is refused before anything is written (the route answers 400 first, hq/server.ts).
 */
const PAYLOAD_SEPARATOR = '\x1f';

/** Whether a payload can travel joined with the others: not empty, no raw U+001F. */
export function joinablePayload(payload: string): boolean {
  return payload !== '' && !payload.includes(PAYLOAD_SEPARATOR);
}

function joinPayloads(events: readonly WireEvent[]): string {
  for (const e of events) {
    if (!joinablePayload(e.payload)) throw new Error(`event ${e.seq}: payload is empty or holds a raw U+001F`);
  }
  return events.map((e) => e.payload).join(PAYLOAD_SEPARATOR);
}

const FLAG_TEXT: Record<FlagCode, string> = {
  HASH_MISMATCH: 'event content does not match its own hash (edited after it was written)',
  CHANGED_EVENT: 'an event HQ already holds arrived with a different hash (the ledger was rewritten or rehashed)',
  FORK: "the event does not link to the previous event's hash (forked or rehashed chain)",
  GAP: 'a sequence number is missing (events cut from the ledger)',
};

/**
 * Takes one store's batch in one transaction, under the store row's lock (two pushes of one box never interleave):
 * known seqs must carry the hash HQ holds (no-op), new ones must start at head + 1 and link hash to hash. The first
 * violation flags the store; what came before it is kept, so HQ's head is the last event known good.
 */
export async function ingestBatch(pool: pg.Pool, storeId: string, events: readonly WireEvent[], now = new Date()): Promise<IngestResult> {
  const client = await pool.connect();
  let result: IngestResult;
  try {
    await client.query('BEGIN');
    result = await ingestIn(client, storeId, events, now);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    // Release broken: a connection that failed mid-transaction is closed, not handed to the next request.
    client.release(err as Error);
    throw err;
  }
  client.release();
  return result;
}

async function ingestIn(client: pg.PoolClient, storeId: string, events: readonly WireEvent[], now: Date): Promise<IngestResult> {
  const { rows } = await client.query<{
    head_seq: string;
    head_hash: Buffer;
    flag_code: FlagCode | null;
    flag_seq: string | null;
    flag_detail: string | null;
    flagged_at: Date | null;
  }>({
    // The UPDATE takes the store row's lock, as SELECT … FOR UPDATE would, and a push waiting on another push of the
    // same box reads the head that one committed (PostgreSQL re-reads an updated row after the wait). Named
    // statements (here and below) are parsed and planned once per connection, not once per batch.
    name: 'hq-ingest-lock-store',
    text: 'UPDATE stores SET last_contact_at = $2 WHERE store_id = $1 RETURNING head_seq, head_hash, flag_code, flag_seq, flag_detail, flagged_at',
    values: [storeId, now],
  });
  const store = rows[0];
  if (!store) throw new Error(`store ${storeId} not enrolled`);
  let head: Head = { seq: Number(store.head_seq), hash: store.head_hash.toString('hex') };
  if (store.flag_code) {
    return {
      kind: 'flagged',
      head,
      flag: { code: store.flag_code, seq: Number(store.flag_seq), detail: store.flag_detail ?? '', at: (store.flagged_at ?? now).toISOString() },
    };
  }
  const first = events[0];
  if (!first) return { kind: 'ok', accepted: 0, duplicates: 0, head };
  if (first.seq > head.seq + 1) return { kind: 'out_of_order', expectedSeq: head.seq + 1, head };

  let flag: StoreFlag | null = null;
  const raise = (code: FlagCode, seq: number, extra = ''): void => {
    flag = { code, seq, detail: `${FLAG_TEXT[code]}${extra}`, at: now.toISOString() };
  };
  // Known events: compare with what HQ holds.
  const known = events.filter((e) => e.seq <= head.seq);
  let duplicates = 0;
  if (known.length > 0) {
    const held = await client.query<{ seq: string; hash: Buffer }>('SELECT seq, hash FROM events WHERE store_id = $1 AND seq = ANY($2::bigint[])', [
      storeId,
      known.map((e) => e.seq),
    ]);
    const bySeq = new Map(held.rows.map((r) => [Number(r.seq), r.hash.toString('hex')]));
    for (const e of known) {
      if (bySeq.get(e.seq) !== e.hash || computeEventHash(e) !== e.hash) {
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
      if (computeEventHash(e) !== e.hash) {
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
  if (fresh.length > 0) {
    // Arrays for the short columns and the payloads joined by one separator, split by PostgreSQL: node-pg's array
    // literals escape every element in JavaScript, and one JSON parameter made both sides escape and unescape every
    // payload again (HQ's JSON.stringify, PostgreSQL's JSON parser), the largest part of the event's insert.
    await client.query({
      name: 'hq-ingest-events',
      text: `INSERT INTO events (store_id, seq, at, type, actor, reason, payload, hash, received_at)
       SELECT $1, r.seq, r.at, r.type, r.actor, r.reason, r.payload, decode(r.hash, 'hex'), $9
       FROM unnest($2::bigint[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], string_to_array($7, $8), $10::text[])
         AS r(seq, at, type, actor, reason, payload, hash)`,
      values: [
        storeId,
        fresh.map((e) => e.seq),
        fresh.map((e) => e.at),
        fresh.map((e) => e.type),
        fresh.map((e) => e.actor),
        fresh.map((e) => e.reason),
        joinPayloads(fresh),
        PAYLOAD_SEPARATOR,
        now,
        fresh.map((e) => e.hash),
      ],
    });
    await indexCodeChanges(client, storeId, codeChanges(fresh), head.seq, now);
    await projectStore(client, storeId, fresh);
    await applyTransferEvents(client, storeId, fresh);
    const last = fresh[fresh.length - 1] as WireEvent;
    head = { seq: last.seq, hash: last.hash };
    await client.query({
      name: 'hq-ingest-head',
      text: "UPDATE stores SET head_seq = $2, head_hash = decode($3, 'hex'), head_at = $4 WHERE store_id = $1",
      values: [storeId, head.seq, head.hash, last.at],
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
    return { kind: 'broken', accepted: fresh.length, flag: raised, head };
  }
  return { kind: 'ok', accepted: fresh.length, duplicates, head };
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
