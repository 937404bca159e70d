// A ledger head written down outside the box — printed on the daily report (agent/reports/daily.ts) as SEQ:HASH —
// checked against the ledger: does the ledger still hold event SEQ with that hash? A rewrite or rehash of the chain
// at or before SEQ changes that event's hash (each hash covers the previous one), and a cut tail loses the event, so
// a paper copy anchors everything up to it even against someone who also holds the box's signing key.
import type { Db } from './db.js';

/** The report prints 16 hex digits (64 bits); fewer would let a forger search for a matching rewrite. */
export const MIN_PRINTED_HEX = 16;

export interface PrintedHead {
  seq: number;
  hash: string;
}

export interface PrintedHeadCheck {
  seq: number;
  ok: boolean;
  message: string;
}

/** `SEQ:HASH` (HASH: at least 16 hex digits, or the full 64) — or what is wrong with it. */
export function parsePrintedHead(text: string): PrintedHead | string {
  const m = /^\s*([1-9][0-9]*)\s*:\s*([0-9a-fA-F]+)\s*$/.exec(text);
  if (!m) return `expected SEQ:HASH as the daily report prints it (e.g. 1234:3f9a0c1d2e4b5a69), got "${text}"`;
  const hash = (m[2] as string).toLowerCase();
  if (hash.length < MIN_PRINTED_HEX || hash.length > 64)
    return `the hash must have ${MIN_PRINTED_HEX} to 64 hex digits (the report prints ${MIN_PRINTED_HEX}), got ${hash.length}`;
  return { seq: Number(m[1]), hash };
}

export function checkPrintedHead(db: Db, head: PrintedHead): PrintedHeadCheck {
  const row = db.prepare('SELECT hash, at FROM events WHERE seq = ?').get(head.seq) as { hash: string; at: string } | undefined;
  if (!row) {
    const last = (db.prepare('SELECT MAX(seq) FROM events').pluck().get() as number | null) ?? 0;
    return {
      seq: head.seq,
      ok: false,
      message: `event ${head.seq} is missing: the ledger ends at ${last}, but a report printed it as the head (events were deleted)`,
    };
  }
  if (!row.hash.startsWith(head.hash))
    return {
      seq: head.seq,
      ok: false,
      message: `event ${head.seq} has hash ${row.hash.slice(0, head.hash.length)}, the printed head says ${head.hash}: the ledger was rewritten at or before event ${head.seq}`,
    };
  return {
    seq: head.seq,
    ok: true,
    message: `event ${head.seq} (recorded ${row.at}) still has the printed hash: the ledger up to it is the one the report was printed from`,
  };
}
