import type Database from 'better-sqlite3';
import { HqClient } from './client.js';
import { ReplicationCursor } from './cursor.js';

export interface AnchorResult {
  ok: boolean;
  localSeq: number;
  hqSeq: number;
  hqFlag: { code: string; seq: number; detail: string } | null;
  message: string;
}

/**
 * HQ's copy of this store's chain is the ledger's outside anchor: its head (seq, hash) must be an event of this
 * ledger with the same hash. A rehashed, cut or replaced ledger cannot match it.
 */
export async function checkAnchor(db: Database.Database, url: string, credential: string): Promise<AnchorResult> {
  const local = (db.prepare('SELECT MAX(seq) FROM events').pluck().get() as number | null) ?? 0;
  const { head, flag } = await new HqClient(url, credential, 10_000).head();
  const base = { localSeq: local, hqSeq: head.seq, hqFlag: flag ? { code: flag.code, seq: flag.seq, detail: flag.detail } : null };
  if (flag) return { ...base, ok: false, message: `HQ flagged this store's chain at seq ${flag.seq} (${flag.code}): ${flag.detail}` };
  if (head.seq === 0) return { ...base, ok: true, message: `HQ holds no events of this store yet (ledger has ${local}); nothing to compare` };
  if (head.seq > local)
    return { ...base, ok: false, message: `HQ holds ${head.seq} events but this ledger only ${local}: events were cut, or this is another ledger` };
  const mine = db.prepare('SELECT hash FROM events WHERE seq = ?').pluck().get(head.seq) as string | undefined;
  if (mine !== head.hash)
    return { ...base, ok: false, message: `event ${head.seq} differs from HQ's copy (ledger ${mine ?? 'missing'}, HQ ${head.hash}): the ledger was rewritten` };
  return { ...base, ok: true, message: `matches HQ's copy up to seq ${head.seq} (${local - head.seq} not yet replicated)` };
}

/** The credential the box uses: the config's, else the one enrolment left in the ledger. */
export function replicationCredential(db: Database.Database, configured: string | undefined): string | null {
  if (configured) return configured;
  // A ledger opened read-only is not migrated: before migration 9 there is no stored credential.
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'hq_replication'").pluck().get();
  return table ? new ReplicationCursor(db).row().credential : null;
}
