import { hash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import type { Db } from './db.js';
import type { LedgerEventPayloads, LedgerEventType } from './event-types.js';

// canonicalize ships CommonJS with an ESM-style d.ts; normalise the two shapes.
const canonicalizeFn: (input: unknown) => string | undefined =
  typeof canonicalizeModule === 'function'
    ? canonicalizeModule
    : (canonicalizeModule as unknown as { default: (input: unknown) => string | undefined }).default;

/** RFC 8785 (JCS) canonical JSON: the byte string that is hashed, identical on every machine. */
export function canonicalJson(value: unknown): string {
  const text = canonicalizeFn(value);
  if (text === undefined) throw new Error('value cannot be canonicalised as JSON');
  return text;
}

export const GENESIS_HASH = '0'.repeat(64);

export interface StoredEvent {
  seq: number;
  at: string;
  type: string;
  actor: string | null;
  reason: string | null;
  payload: string;
  prev_hash: string;
  hash: string;
}

/** The event's own hash covers every column and the previous hash, so any edit breaks the chain from there on. */
export function computeEventHash(e: Omit<StoredEvent, 'hash'>): string {
  // One-shot crypto.hash, not a Hash object per event: HQ re-hashes every event it receives, and the object's
  // set-up was half the cost of hashing a sale (measured 2.6-4.0 µs vs 1.9-2.6 µs for a 1 KB sale event).
  return hash('sha256', `${eventHeaderJson(e)}\n${e.payload}`, 'hex');
}

/**
 * The canonical JSON of an event's columns but the payload. Written out directly when they have the types the
 * ledger stores — the keys are fixed and already in JCS order (RFC 8785 §3.2.3: sorted by UTF-16 code units), and
 * a string, null or a safe integer is serialised by JCS exactly as JSON.stringify does (§3.2.2; the canonicalize
 * package calls JSON.stringify for them) — and through the general canonicaliser otherwise. HQ re-hashes every
 * event it receives: the general path was 5 % of its CPU at ingest. events.test.ts checks both agree.
 */
export function eventHeaderJson(e: Omit<StoredEvent, 'hash' | 'payload'>): string {
  const text = (v: unknown): v is string => typeof v === 'string';
  const nullableText = (v: unknown): v is string | null => v === null || typeof v === 'string';
  if (Number.isSafeInteger(e.seq) && text(e.at) && text(e.type) && nullableText(e.actor) && nullableText(e.reason) && text(e.prev_hash)) {
    const j = JSON.stringify;
    return `{"actor":${j(e.actor)},"at":${j(e.at)},"prev_hash":${j(e.prev_hash)},"reason":${j(e.reason)},"seq":${j(e.seq)},"type":${j(e.type)}}`;
  }
  return canonicalJson({ seq: e.seq, at: e.at, type: e.type, actor: e.actor, reason: e.reason, prev_hash: e.prev_hash });
}

export interface AppendOptions {
  at: Date;
  actor?: string | undefined;
  /** Required for corrections: why the earlier record is being corrected. */
  reason?: string | undefined;
}

/**
 * Appends to the hash-chained event log. Must be called inside the caller's transaction,
 * together with the projection and outbox writes that the event causes.
 */
export class EventLog {
  /** Told of each event appended (inside the transaction, before COMMIT): the head anchor signs it after commit. */
  onAppend: ((e: { seq: number; hash: string }) => void) | undefined;
  private readonly lastStmt;
  private readonly insertStmt;

  constructor(private readonly db: Db) {
    this.lastStmt = db.prepare('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1');
    this.insertStmt = db.prepare(
      'INSERT INTO events (seq, at, type, actor, reason, payload, prev_hash, hash) VALUES (@seq, @at, @type, @actor, @reason, @payload, @prev_hash, @hash)',
    );
  }

  append<T extends LedgerEventType>(type: T, payload: LedgerEventPayloads[T], opts: AppendOptions): { seq: number; hash: string } {
    if (!this.db.inTransaction) throw new Error('EventLog.append must run inside a transaction');
    const last = this.lastStmt.get() as { seq: number; hash: string } | undefined;
    const event: Omit<StoredEvent, 'hash'> = {
      seq: (last?.seq ?? 0) + 1,
      at: opts.at.toISOString(),
      type,
      actor: opts.actor ?? null,
      reason: opts.reason ?? null,
      payload: canonicalJson(payload),
      prev_hash: last?.hash ?? GENESIS_HASH,
    };
    const hash = computeEventHash(event);
    this.insertStmt.run({ ...event, hash });
    this.onAppend?.({ seq: event.seq, hash });
    return { seq: event.seq, hash };
  }
}

export function getEvent(db: Db, seq: number): StoredEvent | undefined {
  return db.prepare('SELECT * FROM events WHERE seq = ?').get(seq) as StoredEvent | undefined;
}
