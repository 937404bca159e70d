// msgid = fixmedins_code (12) + yyyyMMddHHmmss (14, Asia/Shanghai) + 4-digit sequence.
// The platform rejects (or worse, replays) a repeated msgid, so the per-second counter lives in
// the ledger file (through the MsgidReservations port): a restart within the same second, or a second
// allocator on the same file, continues it.
import type { MsgidCounters, MsgidReservations } from '../agent/ledger/msgids.js';
import { formatShanghaiCompact, parseShanghaiCompact } from '../common/time.js';

export const FIXMEDINS_CODE_RE = /^[A-Z0-9]{12}$/;
const MAX_SEQ = 9999;
const DAY_MS = 86_400_000;
/**
 * Sequence numbers reserved per database write. A durable (fsync'd) write per msgid would cap the
 * outbox at a few thousand calls a second; reserving a block keeps the guarantee (what was reserved is
 * never issued again, even after a restart) at one write per block. Unused numbers are simply skipped.
 */
const BLOCK = 50;

export interface ParsedMsgid {
  fixmedinsCode: string;
  /** The yyyyMMddHHmmss part, Asia/Shanghai. */
  second: string;
  at: Date;
  seq: number;
}

/** Splits a msgid into its parts; null when it is not 12 + 14 (a real time) + 4 digits. */
export function parseMsgid(msgid: string): ParsedMsgid | null {
  const m = /^([A-Z0-9]{12})(\d{14})(\d{4})$/.exec(msgid);
  if (!m) return null;
  const at = parseShanghaiCompact(m[2]!);
  if (!at) return null;
  return { fixmedinsCode: m[1]!, second: m[2]!, at, seq: Number(m[3]) };
}

/**
 * Counters in memory, for a one-off client whose msgids need not survive it (doctor's sign-in check):
 * the box itself always uses the ledger's (Ledger.msgids).
 */
export class MemoryMsgidReservations implements MsgidReservations {
  private readonly seconds = new Map<string, number>();
  private readonly counters: MsgidCounters = {
    last: (second) => this.seconds.get(second),
    raise: (second, last) => void this.seconds.set(second, last),
    forgetBefore: (second) => {
      for (const s of this.seconds.keys()) if (s < second) this.seconds.delete(s);
    },
  };

  reserve<T>(plan: (counters: MsgidCounters) => T): T {
    return plan(this.counters);
  }
}

export class MsgidAllocator {
  private readonly reserve: () => { second: string; first: number; last: number };
  private block: { second: string; next: number; last: number } | undefined;

  constructor(
    reservations: MsgidReservations,
    private readonly fixmedinsCode: string,
    private readonly clock: () => Date = () => new Date(),
  ) {
    if (!FIXMEDINS_CODE_RE.test(fixmedinsCode)) {
      throw new Error(`MsgidAllocator: fixmedins_code must be 12 characters A-Z/0-9, got ${JSON.stringify(fixmedinsCode)}`);
    }
    const plan = (from: Date) => (c: MsgidCounters) => {
      let at = from;
      for (;;) {
        const second = formatShanghaiCompact(at);
        const prev = c.last(second);
        const last = prev ?? 0;
        if (last < MAX_SEQ) {
          const upTo = Math.min(MAX_SEQ, last + BLOCK);
          c.raise(second, upTo);
          // Rows from more than a day ago can no longer collide with anything we would issue.
          if (prev === undefined) c.forgetBefore(formatShanghaiCompact(new Date(from.getTime() - DAY_MS)));
          return { second, first: last + 1, last: upTo };
        }
        // 9999 used in this second: borrow the next second rather than ever repeating.
        at = new Date(at.getTime() + 1000);
      }
    };
    this.reserve = () => reservations.reserve(plan(new Date(Math.floor(this.clock().getTime() / 1000) * 1000)));
  }

  /** A fresh msgid, never issued before by any allocator sharing this database. */
  next(): string {
    const second = formatShanghaiCompact(this.clock());
    let b = this.block;
    // A block of an earlier second is dropped; a block borrowed from a later second is used up first.
    if (!b || b.next > b.last || b.second < second) {
      const r = this.reserve();
      b = this.block = { second: r.second, next: r.first, last: r.last };
    }
    const seq = b.next++;
    return `${this.fixmedinsCode}${b.second}${String(seq).padStart(4, '0')}`;
  }
}
