import type pg from 'pg';
import { arr, type Json, payloadOf, str } from './payload.js';

/**
 * What one store's events did to one trace code, folded over a batch in seq order. What did not happen is left out,
 * not null: JSON.stringify then drops it, and PostgreSQL's json_to_recordset reads a missing key as NULL — half
 * the JSON to parse (measured: 1,000 sold codes 6.1 ms with nine keys each, 3.2 ms with the four a sale sets).
 */
export interface CodeChange {
  code: string;
  piecesDelta: number;
  receivedSeq?: number;
  receivedAt?: string;
  soldSeq?: number;
  soldAt?: string;
  returnedSeq?: number;
  returnedAt?: string;
  writtenOffAt?: string;
}

interface IndexableEvent {
  seq: number;
  at: string;
  type: string;
  payload: string;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * The ledger's event types that move a trace code (agent/ledger: receipts.ts, sales.ts, adjustments.ts):
 * receipt.recorded lines[].codes[]; sale.settled items[].code with pieces; sale.reversed items[].code with
 * pieces (back to stock); stock.adjusted codes[].code (written off). Other events touch no code.
 */
export function codeChanges(events: readonly IndexableEvent[]): CodeChange[] {
  const byCode = new Map<string, CodeChange>();
  const get = (code: string): CodeChange => {
    let c = byCode.get(code);
    if (!c) {
      c = { code, piecesDelta: 0 };
      byCode.set(code, c);
    }
    return c;
  };
  for (const e of events) {
    if (e.type !== 'receipt.recorded' && e.type !== 'sale.settled' && e.type !== 'sale.reversed' && e.type !== 'stock.adjusted') continue;
    const p = payloadOf<Json>(e);
    if (e.type === 'receipt.recorded') {
      for (const line of arr(p.lines)) {
        for (const code of Array.isArray(line.codes) ? (line.codes as unknown[]) : []) {
          const key = str(code);
          if (!key) continue;
          const c = get(key);
          c.receivedSeq = e.seq;
          c.receivedAt = e.at;
        }
      }
    } else if (e.type === 'sale.settled') {
      for (const item of arr(p.items)) {
        const key = str(item.code);
        if (!key) continue;
        const c = get(key);
        c.piecesDelta += num(item.pieces);
        c.soldSeq = e.seq;
        c.soldAt = e.at;
      }
    } else if (e.type === 'sale.reversed') {
      for (const item of arr(p.items)) {
        const key = str(item.code);
        if (!key) continue;
        const c = get(key);
        c.piecesDelta -= num(item.pieces);
        c.returnedSeq = e.seq;
        c.returnedAt = e.at;
      }
    } else {
      for (const w of arr(p.codes)) {
        const key = str(w.code);
        if (key) get(key).writtenOffAt = e.at;
      }
    }
  }
  return [...byCode.values()];
}

/** The batch's code changes written into the index: one upsert, one row per code and store (folded, so ON CONFLICT never meets a code twice). */
export async function upsertCodeChanges(client: pg.PoolClient, storeId: string, changes: readonly CodeChange[]): Promise<void> {
  if (changes.length === 0) return;
  await client.query({
    name: 'hq-index-codes',
    text: `INSERT INTO trace_codes AS t (code, store_id, pieces_out, received_seq, received_at, sold_seq, sold_at, returned_seq, returned_at, written_off_at)
       SELECT u.code, $1, u."piecesDelta", u."receivedSeq", u."receivedAt", u."soldSeq", u."soldAt", u."returnedSeq", u."returnedAt", u."writtenOffAt"
       FROM json_to_recordset($2::json) AS u(code text, "piecesDelta" int, "receivedSeq" bigint, "receivedAt" timestamptz, "soldSeq" bigint,
         "soldAt" timestamptz, "returnedSeq" bigint, "returnedAt" timestamptz, "writtenOffAt" timestamptz)
       ON CONFLICT (code, store_id) DO UPDATE SET
         pieces_out = t.pieces_out + EXCLUDED.pieces_out,
         received_seq = COALESCE(EXCLUDED.received_seq, t.received_seq),
         received_at = COALESCE(EXCLUDED.received_at, t.received_at),
         sold_seq = COALESCE(EXCLUDED.sold_seq, t.sold_seq),
         sold_at = COALESCE(EXCLUDED.sold_at, t.sold_at),
         returned_seq = COALESCE(EXCLUDED.returned_seq, t.returned_seq),
         returned_at = COALESCE(EXCLUDED.returned_at, t.returned_at),
         written_off_at = COALESCE(EXCLUDED.written_off_at, t.written_off_at)`,
    values: [storeId, JSON.stringify(changes)],
  });
}

/** A code a store's events sold or received: what the cross-store check looks at. */
export interface CodeToCheck {
  code: string;
  sold?: true;
  received?: true;
}

export function codesToCheck(changes: readonly CodeChange[]): CodeToCheck[] {
  const out: CodeToCheck[] = [];
  for (const c of changes) {
    if (c.soldSeq === undefined && c.receivedSeq === undefined) continue;
    out.push({ code: c.code, ...(c.soldSeq !== undefined ? { sold: true } : {}), ...(c.receivedSeq !== undefined ? { received: true } : {}) });
  }
  return out;
}

/**
 * The cross-store check of codes a store just sold or received, run after its ingest committed (hq/ingest.ts):
 * checked inside the ingest's own transaction, two stores selling the same box at the same moment each missed the
 * other's uncommitted row and neither was told. After the commit, of two such ingests the later-committed one's
 * check sees both rows. The codes some other store also has (codesAtOtherStores: few) get one index probe each, which
 * reads every store's row of the code; written two ways:
 * - code_conflicts, the boxes' feed: a code this store has out (sold, not returned) that another store also has out,
 *   recorded for both stores (each naming the other); a pair already recorded stays as it was;
 * - code_flags, the HQ page's list: SOLD_TWICE at the later of the two sales (by time, then store), so both stores'
 *   checks write the same row; RECEIVED_AFTER_SALE at a store that received the box while another had it out —
 *   seen from the receiver's check, or from the seller's when the receipt is the later in time.
 */
export async function recheckCodes(client: pg.PoolClient, storeId: string, codes: readonly CodeToCheck[], now: Date): Promise<void> {
  const shared = await codesAtOtherStores(client, storeId, codes);
  if (shared.length === 0) return;
  // Data-modifying CTEs run whether or not the main statement reads them. The lateral probe keeps one
  // parameterised index scan per code: the planner cannot know how many codes come (it guesses 100) and once picked
  // a hash join over a sequential scan of trace_codes, 83 ms a batch at 0.3 M rows and growing with the chain.
  await client.query({
    name: 'hq-recheck-codes',
    text: `WITH found AS MATERIALIZED (
       SELECT u.code, COALESCE(u.sold, false) AS sold_now, COALESCE(u.received, false) AS received_now, t.*
       FROM json_to_recordset($2::json) AS u(code text, sold bool, received bool)
       CROSS JOIN LATERAL (
         SELECT t.store_id, t.pieces_out, t.sold_seq, t.sold_at, t.received_seq, t.received_at FROM trace_codes t WHERE t.code = u.code OFFSET 0
       ) t
     ),
     pairs AS MATERIALIZED (
       SELECT m.code, m.sold_now, m.received_now, m.pieces_out, m.sold_seq, m.sold_at, m.received_seq, m.received_at,
         o.store_id AS other, o.pieces_out AS other_out, o.sold_seq AS other_sold_seq, o.sold_at AS other_sold_at,
         o.received_seq AS other_received_seq, o.received_at AS other_received_at,
         COALESCE((m.sold_at, m.store_id) > (o.sold_at, o.store_id), false) AS sold_later
       FROM found m JOIN found o ON o.code = m.code AND o.store_id <> m.store_id
       WHERE m.store_id = $1
     ),
     conflicts AS (
       INSERT INTO code_conflicts (store_id, code, other_store_id, sold_at, other_sold_at, detected_at)
       SELECT $1::text, code, other, sold_at, other_sold_at, $3::timestamptz FROM pairs WHERE sold_now AND pieces_out > 0 AND other_out > 0
       UNION ALL
       SELECT other, code, $1::text, other_sold_at, sold_at, $3::timestamptz FROM pairs WHERE sold_now AND pieces_out > 0 AND other_out > 0
       ON CONFLICT (store_id, code, other_store_id) DO NOTHING
     ),
     flags AS (
       INSERT INTO code_flags (store_id, code, kind, other_store, seq, at)
       SELECT k.store_id, p.code, k.kind, k.other_store, k.seq, k.at
       FROM pairs p
       CROSS JOIN LATERAL (VALUES
         ('SOLD_TWICE', CASE WHEN p.sold_later THEN $1::text ELSE p.other END, CASE WHEN p.sold_later THEN p.other ELSE $1::text END,
           CASE WHEN p.sold_later THEN p.sold_seq ELSE p.other_sold_seq END, CASE WHEN p.sold_later THEN p.sold_at ELSE p.other_sold_at END,
           p.sold_now AND p.other_sold_at IS NOT NULL),
         ('RECEIVED_AFTER_SALE', $1::text, p.other, p.received_seq, p.received_at, p.received_now AND p.other_out > 0),
         ('RECEIVED_AFTER_SALE', p.other, $1::text, p.other_received_seq, p.other_received_at,
           p.sold_now AND p.pieces_out > 0 AND p.other_received_at > p.sold_at)
       ) AS k(kind, store_id, other_store, seq, at, hit)
       WHERE k.hit
       ON CONFLICT DO NOTHING
     )
     SELECT 1`,
    values: [storeId, JSON.stringify(shared), now],
  });
}

/** Joins the codes for one parameter; a trace code is digits and ASCII letters, never this. */
const CODE_SEPARATOR = '\x1f';

/**
 * Which of the codes some other store also has a row for: the only ones the full check can find anything about.
 * Nearly every code is only ever at one store, and one index-only pass over the codes, joined in one text parameter,
 * costs 2.7 ms per 1,000 codes against 6.7 ms for the full check's lateral probe of each (measured on a 1 M-row index;
 * the probe's per-code executor work and the JSON records' parsing were most of it). Read after the ingest's commit
 * like the full check, whose own snapshot, taken later, sees at least these rows. A code holding the separator (none
 * the ledger writes) sends them all to the full check.
 */
async function codesAtOtherStores(client: pg.PoolClient, storeId: string, codes: readonly CodeToCheck[]): Promise<readonly CodeToCheck[]> {
  if (codes.length === 0 || codes.some((c) => c.code.includes(CODE_SEPARATOR))) return codes;
  const { rows } = await client.query<{ code: string }>({
    name: 'hq-recheck-shared',
    text: 'SELECT DISTINCT code FROM trace_codes WHERE code = ANY (string_to_array($2, $3)) AND store_id <> $1',
    values: [storeId, codes.map((c) => c.code).join(CODE_SEPARATOR), CODE_SEPARATOR],
  });
  if (rows.length === 0) return [];
  const hit = new Set(rows.map((r) => r.code));
  return codes.filter((c) => hit.has(c.code));
}

export interface StoreConflict {
  id: number;
  code: string;
  otherStore: string;
  otherStoreName: string | null;
  soldAt: string | null;
  otherSoldAt: string | null;
  detectedAt: string;
}

/** One store's conflicts after `after` (its own cursor), oldest first. */
export async function conflictsOf(pool: pg.Pool, storeId: string, after: number, limit = 500): Promise<StoreConflict[]> {
  const { rows } = await pool.query<{
    id: string;
    code: string;
    other_store_id: string;
    name: string | null;
    sold_at: Date | null;
    other_sold_at: Date | null;
    detected_at: Date;
  }>(
    `SELECT c.id, c.code, c.other_store_id, s.name, c.sold_at, c.other_sold_at, c.detected_at
     FROM code_conflicts c LEFT JOIN stores s ON s.store_id = c.other_store_id
     WHERE c.store_id = $1 AND c.id > $2 ORDER BY c.id LIMIT $3`,
    [storeId, after, limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    code: r.code,
    otherStore: r.other_store_id,
    otherStoreName: r.name,
    soldAt: iso(r.sold_at),
    otherSoldAt: iso(r.other_sold_at),
    detectedAt: r.detected_at.toISOString(),
  }));
}

export interface CodeAtStore {
  store: string;
  storeName: string | null;
  receivedAt: string | null;
  soldAt: string | null;
  returnedAt: string | null;
  writtenOffAt: string | null;
  /** Sold (some pieces at least) and not returned. */
  soldNotReturned: boolean;
}

export interface CodeReport {
  code: string;
  stores: CodeAtStore[];
  lastReceived: { store: string; at: string } | null;
  lastSold: { store: string; at: string } | null;
  soldNotReturned: boolean;
  /** Stores where the box is out (sold and not returned), latest sale first. */
  soldAt: { store: string; storeName: string | null; at: string }[];
  /** On a transfer between stores (调拨) that the receiver has not confirmed yet (hq/transfers.ts). */
  inTransit: { from: string; to: string; transferId: string; since: string } | null;
  /** Out at two stores or more at once: the chain sold one box twice (issue 17; HQ records it in code_conflicts). */
  conflicted: boolean;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** The code across the chain: one index range scan on (code, store_id). */
export async function lookupCode(pool: pg.Pool, code: string): Promise<CodeReport> {
  const { rows } = await pool.query<{
    store_id: string;
    name: string | null;
    pieces_out: number;
    received_at: Date | null;
    sold_at: Date | null;
    returned_at: Date | null;
    written_off_at: Date | null;
    transfer_id: string | null;
    transfer_to: string | null;
    transferred_at: Date | null;
    transfer_closed_at: Date | null;
  }>(
    `SELECT t.store_id, s.name, t.pieces_out, t.received_at, t.sold_at, t.returned_at, t.written_off_at,
       t.transfer_id, t.transfer_to, t.transferred_at, t.transfer_closed_at
     FROM trace_codes t LEFT JOIN stores s ON s.store_id = t.store_id WHERE t.code = $1`,
    [code],
  );
  const stores: CodeAtStore[] = rows.map((r) => ({
    store: r.store_id,
    storeName: r.name,
    receivedAt: iso(r.received_at),
    soldAt: iso(r.sold_at),
    returnedAt: iso(r.returned_at),
    writtenOffAt: iso(r.written_off_at),
    soldNotReturned: r.pieces_out > 0,
  }));
  const latest = (key: 'receivedAt' | 'soldAt') => {
    let best: { store: string; at: string } | null = null;
    for (const s of stores) {
      const at = s[key];
      if (at && (!best || at > best.at)) best = { store: s.store, at };
    }
    return best;
  };
  const soldAt = stores
    .filter((s) => s.soldNotReturned && s.soldAt)
    .map((s) => ({ store: s.store, storeName: s.storeName, at: s.soldAt as string }))
    .sort((a, b) => (a.at < b.at ? 1 : -1));
  const moving = rows.find((r) => r.transfer_id && r.transfer_to && r.transferred_at && !r.transfer_closed_at);
  const inTransit = moving
    ? {
        from: moving.store_id,
        to: moving.transfer_to as string,
        transferId: moving.transfer_id as string,
        since: (moving.transferred_at as Date).toISOString(),
      }
    : null;
  return {
    code,
    stores,
    lastReceived: latest('receivedAt'),
    lastSold: latest('soldAt'),
    soldNotReturned: soldAt.length > 0,
    soldAt,
    inTransit,
    conflicted: soldAt.length > 1,
  };
}
