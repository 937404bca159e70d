import type pg from 'pg';
import type { StoredEvent } from '../agent/ledger/events.js';

/**
 * HQ's copy of the stores' ledgers: one row of `event_batches` per batch as ingest took it (HQ migration 7), not one
 * row per event. A row holds the batch's events in seq order, first_seq..last_seq without a gap (ingest takes a
 * batch only as a contiguous run after the head): their headers as JSON, their payloads joined by U+001F, their
 * hashes as 32-byte runs. Per event, a row of its own cost PostgreSQL the heap tuple, the primary-key entry and
 * their WAL; a batch of 500 is one row whose long columns are compressed (lz4), and the WAL per event halved
 * (1,662 → 716 bytes, measured in `npm run bench`). The view `events` shows the rows one event per row, for people
 * reading HQ's database with SQL; HQ itself reads the batches by seq range (below), which the view cannot index.
 */

/**
 * Between payloads. A ledger payload is canonical JSON, which writes a control character only escaped (\u001f), so
 * U+001F never occurs in one; a payload that has it, or is empty, is refused before anything is written (the route
 * answers 400 first, hq/server.ts).
 */
const PAYLOAD_SEPARATOR = '\x1f';

/** Whether a payload can be kept joined with the others: not empty, no raw U+001F. */
export function joinablePayload(payload: string): boolean {
  return payload !== '' && !payload.includes(PAYLOAD_SEPARATOR);
}

/** One event as HQ keeps it: the wire event without prev_hash (the previous event's hash, checked at ingest). */
export type KeptEvent = Omit<StoredEvent, 'prev_hash'>;

/** The batch's events, a contiguous run of seqs, as one row. */
export async function insertEventBatch(client: pg.PoolClient, storeId: string, events: readonly StoredEvent[], receivedAt: Date): Promise<void> {
  const first = events[0];
  const last = events[events.length - 1];
  if (!first || !last) return;
  for (const e of events) {
    if (!joinablePayload(e.payload)) throw new Error(`event ${e.seq}: payload is empty or holds a raw U+001F`);
  }
  await client.query({
    name: 'hq-ingest-batch',
    text: `INSERT INTO event_batches (store_id, first_seq, last_seq, first_at, heads, payloads, hashes, received_at)
      VALUES ($1, $2, $3, $4, $5, $6, decode($7, 'hex'), $8)`,
    values: [
      storeId,
      first.seq,
      last.seq,
      first.at,
      JSON.stringify(events.map((e) => [e.at, e.type, e.actor, e.reason])),
      events.map((e) => e.payload).join(PAYLOAD_SEPARATOR),
      events.map((e) => e.hash).join(''),
      receivedAt,
    ],
  });
}

interface BatchRow {
  first_seq: string;
  heads: string;
  payloads: string;
  hashes: Buffer;
}

/**
 * The rows holding seqs from..to: the last batch starting at or before `from` (one backward probe of the primary
 * key per partition), and every batch after it that starts by `to`.
 */
async function batchesCovering<K extends keyof BatchRow>(
  client: pg.ClientBase,
  storeId: string,
  from: number,
  to: number,
  columns: readonly K[],
): Promise<Pick<BatchRow, K | 'first_seq'>[]> {
  const { rows } = await client.query<Pick<BatchRow, K | 'first_seq'>>(
    `SELECT first_seq, ${columns.join(', ')} FROM event_batches
     WHERE store_id = $1 AND first_seq <= $3
       AND first_seq >= COALESCE((SELECT first_seq FROM event_batches WHERE store_id = $1 AND first_seq <= $2 ORDER BY first_seq DESC LIMIT 1), 0)
     ORDER BY first_seq`,
    [storeId, from, to],
  );
  return rows;
}

/** The hashes HQ holds for the store's seqs from..to (hex), by seq. */
export async function heldHashes(client: pg.ClientBase, storeId: string, from: number, to: number): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const row of await batchesCovering(client, storeId, from, to, ['hashes'])) {
    const first = Number(row.first_seq);
    for (let i = 0; i * 32 < row.hashes.length; i++) {
      const seq = first + i;
      if (seq >= from && seq <= to) out.set(seq, row.hashes.subarray(i * 32, i * 32 + 32).toString('hex'));
    }
  }
  return out;
}

/** The store's events from..to in seq order. */
export async function readEvents(client: pg.ClientBase, storeId: string, from: number, to: number): Promise<KeptEvent[]> {
  const out: KeptEvent[] = [];
  for (const row of await batchesCovering(client, storeId, from, to, ['heads', 'payloads', 'hashes'])) {
    const first = Number(row.first_seq);
    const heads = JSON.parse(row.heads) as [string, string, string | null, string | null][];
    const payloads = row.payloads.split(PAYLOAD_SEPARATOR);
    if (payloads.length !== heads.length || row.hashes.length !== heads.length * 32)
      throw new Error(`event_batches row ${storeId}/${first}: ${heads.length} headers, ${payloads.length} payloads, ${row.hashes.length / 32} hashes`);
    heads.forEach(([at, type, actor, reason], i) => {
      const seq = first + i;
      if (seq < from || seq > to) return;
      out.push({ seq, at, type, actor, reason, payload: payloads[i] as string, hash: row.hashes.subarray(i * 32, i * 32 + 32).toString('hex') });
    });
  }
  return out;
}
