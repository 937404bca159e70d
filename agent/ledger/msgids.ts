import type { Db } from './db.js';
import { withoutFsync } from './db.js';

/** The per-second counters of msgid sequence numbers already handed out (table platform_msgid_seq). */
export interface MsgidCounters {
  /** The last number reserved in `second` (yyyyMMddHHmmss), or undefined when none was. */
  last(second: string): number | undefined;
  raise(second: string, last: number): void;
  /** Forget the counters of seconds before `second`: nothing issued from now on can collide with them. */
  forgetBefore(second: string): void;
}

/**
 * Port for the msgid generator (sync/msgid.ts): runs `plan` in one write transaction that no other
 * connection can interleave with, so two allocators on one file never read the same counter.
 */
export interface MsgidReservations {
  reserve<T>(plan: (counters: MsgidCounters) => T): T;
}

/** The ledger's reservations: the counters live in the ledger file, so a restart continues them. */
export class LedgerMsgidReservations implements MsgidReservations {
  private readonly counters: MsgidCounters;

  constructor(private readonly db: Db) {
    const get = db.prepare<[string], number>('SELECT last FROM platform_msgid_seq WHERE second = ?').pluck();
    const put = db.prepare('INSERT INTO platform_msgid_seq (second, last) VALUES (?, ?) ON CONFLICT(second) DO UPDATE SET last = excluded.last');
    const prune = db.prepare('DELETE FROM platform_msgid_seq WHERE second < ?');
    this.counters = {
      last: (second) => get.get(second),
      raise: (second, last) => void put.run(second, last),
      forgetBefore: (second) => void prune.run(second),
    };
  }

  reserve<T>(plan: (counters: MsgidCounters) => T): T {
    // IMMEDIATE takes the write lock before reading, so two connections cannot read the same `last`.
    // Not waiting for the disk is safe here: a reservation survives a process crash (WAL), and a power
    // cut cannot be followed by a restart within the same second.
    return withoutFsync(this.db, () => this.db.transaction(() => plan(this.counters)).immediate());
  }
}
