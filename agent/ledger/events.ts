import { createHash } from 'node:crypto';
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
  const head = canonicalJson({ seq: e.seq, at: e.at, type: e.type, actor: e.actor, reason: e.reason, prev_hash: e.prev_hash });
  return createHash('sha256').update(head).update('\n').update(e.payload).digest('hex');
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
