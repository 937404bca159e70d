// The ledger's own anchor outside the database (issue 15). The hash chain alone proves nothing against someone who
// edits the SQLite file: they can cut the tail, append a forged event with a correct hash, or rewrite and rehash
// the whole chain. So every event the box itself commits is also signed (Ed25519) with a key kept in a file of its
// own, never in the database, and the signed head (seq + hash) is appended to a head file beside the ledger.
// verify-ledger then compares the database with the signed heads and names the first missing, changed or
// foreign event. What this does not stop (root takes the key too) is said in the README; HQ's copy of every
// store's chain head (DESIGN 9, issue 17) is the anchor that does.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, fsync, openSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from './db.js';
import type { EventLog } from './events.js';
import { readLedgerId } from './migrations.js';

export interface AnchorPaths {
  /** Ed25519 private key (PKCS#8 PEM), mode 0600, created at first start. */
  key: string;
  /** One JSON line per signed head, appended only. */
  heads: string;
}

/**
 * Beside the ledger in dataDir: the hardened service may write only there (systemd StateDirectory; /etc is
 * read-only to it), and what matters is that the key is not in the database, where SQL could reach it.
 */
export function anchorPaths(dataDir: string): AnchorPaths {
  return { key: join(dataDir, 'ledger-head.key'), heads: join(dataDir, 'ledger-heads.jsonl') };
}

/** A signed head: events `from`..`seq` (usually one event) end with `hash`. `late`: signed at a later start. */
export interface HeadLine {
  v: 1;
  ledger: string;
  from: number;
  seq: number;
  hash: string;
  at: string;
  late?: true;
  sig: string;
}

const signedBytes = (h: Omit<HeadLine, 'sig'>) =>
  Buffer.from(`counter-agent ledger head v1\n${h.ledger}\n${h.from}\n${h.seq}\n${h.hash}\n${h.at}\n${h.late ? 'late' : ''}`);

function loadOrCreateKey(path: string): KeyObject {
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    // 'wx': never overwrite a key another process just created.
    writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  }
  return createPrivateKey(readFileSync(path));
}

/**
 * Signs each event the box appends, right after its transaction commits (setImmediate: better-sqlite3
 * transactions are synchronous, so the callback runs after COMMIT; a rolled-back event is not found and not
 * signed). Events in the database that this process did not append are never signed by it, except the tail left
 * unsigned by a crash, which open() signs as `late` (see the README for what that allows).
 */
export class LedgerAnchor {
  private readonly pending: { seq: number; hash: string }[] = [];
  private scheduled = false;
  private lastSigned: number;
  private readonly fd: number;
  private readonly ledgerId: string;
  private readonly eventHash;

  private constructor(
    private readonly db: Db,
    private readonly key: KeyObject,
    paths: AnchorPaths,
    private readonly clock: () => Date,
  ) {
    this.ledgerId = readLedgerId(db);
    dropTornLine(paths.heads);
    this.fd = openSync(paths.heads, 'a', 0o600);
    this.eventHash = db.prepare('SELECT hash FROM events WHERE seq = ?').pluck();
    this.lastSigned = readHeads(paths.heads).reduce((m, h) => Math.max(m, h.seq), 0);
  }

  /** Loads (or creates) the key, signs the tail a crash left unsigned, and signs every later append. */
  static open(db: Db, log: EventLog, paths: AnchorPaths, clock: () => Date = () => new Date()): LedgerAnchor {
    const anchor = new LedgerAnchor(db, loadOrCreateKey(paths.key), paths, clock);
    const last = db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
    if (last && last.seq > anchor.lastSigned) anchor.write(anchor.lastSigned + 1, last.seq, last.hash, true);
    log.onAppend = (e) => anchor.appended(e);
    return anchor;
  }

  private appended(e: { seq: number; hash: string }): void {
    this.pending.push(e);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Signs what was appended and committed since the last flush (also called at close). */
  flush(): void {
    this.scheduled = false;
    const batch = this.pending.splice(0);
    for (const e of batch) {
      if (e.seq <= this.lastSigned || this.eventHash.get(e.seq) !== e.hash) continue; // rolled back
      this.write(e.seq, e.seq, e.hash, false);
    }
    // The file reaches the disk off the event loop; a power cut may lose the last lines, signed again as late.
    if (batch.length > 0) fsync(this.fd, () => undefined);
  }

  private write(from: number, seq: number, hash: string, late: boolean): void {
    const head: Omit<HeadLine, 'sig'> = {
      v: 1,
      ledger: this.ledgerId,
      from,
      seq,
      hash,
      at: this.clock().toISOString(),
      ...(late ? { late: true as const } : {}),
    };
    const line: HeadLine = { ...head, sig: sign(null, signedBytes(head), this.key).toString('base64') };
    appendFileSync(this.fd, `${JSON.stringify(line)}\n`);
    this.lastSigned = seq;
  }

  /** The highest event this box has signed a head for (0: none yet). */
  signedUpTo(): number {
    return this.lastSigned;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** A kill in the middle of an append leaves a last line without its newline: cut it (it was never complete). */
function dropTornLine(path: string): void {
  if (!existsSync(path)) return;
  const text = readFileSync(path, 'utf8');
  if (text === '' || text.endsWith('\n')) return;
  truncateSync(path, Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1)));
}

function readHeads(path: string): HeadLine[] {
  return parseHeads(path).flatMap((h) => (h.line ? [h.line] : []));
}

function parseHeads(path: string): { n: number; line?: HeadLine }[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  // A last line without its newline is an append cut short by a kill (the box drops it at its next start).
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .map((text, i) => ({ text, n: i + 1 }))
    .filter((l) => l.text.trim() !== '')
    .map(({ text, n }) => {
      try {
        return { n, line: JSON.parse(text) as HeadLine };
      } catch {
        return { n };
      }
    });
}

export interface AnchorCheck {
  /** False when there is no key/head file: only the chain itself was checked. */
  checked: boolean;
  heads: number;
  /** Signed heads written at a later start (the box had stopped before signing them). */
  late: number;
  problems: { seq?: number; message: string }[];
}

/**
 * Compares the events in the database with the signed heads: the first problem names the first missing,
 * changed or foreign event. Read-only; needs the key file (its public half).
 */
export function checkAnchors(db: Db, paths: AnchorPaths): AnchorCheck {
  if (!existsSync(paths.heads) && !existsSync(paths.key)) return { checked: false, heads: 0, late: 0, problems: [] };
  if (!existsSync(paths.key))
    return { checked: true, heads: 0, late: 0, problems: [{ message: `the signing key ${paths.key} is missing: the signed heads cannot be checked` }] };
  const pub = createPublicKey(createPrivateKey(readFileSync(paths.key)));
  const ledgerId = readLedgerId(db);
  const problems: AnchorCheck['problems'] = [];
  const lines = parseHeads(paths.heads);
  const heads: HeadLine[] = [];
  for (const { n, line } of lines) {
    const { sig, ...rest } = line ?? ({} as HeadLine);
    const good = line !== undefined && typeof sig === 'string' && verify(null, signedBytes(rest as Omit<HeadLine, 'sig'>), pub, Buffer.from(sig, 'base64'));
    if (!good) problems.push({ message: `${paths.heads} line ${n}: not a valid signed head (the head file was edited)` });
    else if (line.ledger !== ledgerId)
      problems.push({
        message: `${paths.heads} line ${n}: signed for another ledger (${line.ledger}, this one is ${ledgerId}): the database file was replaced`,
      });
    else heads.push(line);
  }
  const last = (db.prepare('SELECT MAX(seq) FROM events').pluck().get() as number | null) ?? 0;
  const hashOf = db.prepare('SELECT hash FROM events WHERE seq = ?').pluck();
  const signedMax = heads.reduce((m, h) => Math.max(m, h.seq), 0);
  if (signedMax > last) {
    problems.push({
      seq: last + 1,
      message: `event ${last + 1} is missing: the box signed events up to ${signedMax}, the ledger ends at ${last} (events were deleted)`,
    });
  }
  // The lowest signed head whose event is gone or differs: where the rewrite starts.
  const bad = heads
    .filter((h) => h.seq <= last)
    .filter((h) => hashOf.get(h.seq) !== h.hash)
    .sort((a, b) => a.from - b.from)[0];
  if (bad) {
    const where = bad.from === bad.seq ? `event ${bad.seq}` : `an event in ${bad.from}–${bad.seq}`;
    problems.push({
      seq: bad.from,
      message: `${where} was changed: its hash is not the one the box signed at ${bad.at} (the chain was rewritten or rehashed)`,
    });
  }
  // Every event must lie in a signed range: one that does not was written by something other than the box.
  const covered = heads.map((h) => [h.from, h.seq] as const).sort((a, b) => a[0] - b[0]);
  let next = 1;
  for (const [from, seq] of covered) {
    if (from > next && next <= last) break;
    next = Math.max(next, seq + 1);
  }
  if (next <= last) {
    problems.push({ seq: next, message: `event ${next} has no head signed by the box: it was added to the database by something else (a forged append)` });
  }
  problems.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  return { checked: true, heads: heads.length, late: heads.filter((h) => h.late).length, problems };
}
