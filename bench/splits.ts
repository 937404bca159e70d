// Where receiving time goes, without touching agent/: wraps a few methods of one Ledger instance with
// timers. Cost: two hrtime calls per inserted code (~0.1 µs), noise next to the insert itself.
// Disable with BENCH_SPLITS=0.

import type { Ledger } from '../agent/ledger/index.js';
import { nowNs } from './util.js';

/** Microseconds per received code, by phase of ReceivingService.receive. */
export type Splits = Record<'classify_validate' | 'lookup' | 'event' | 'code_inserts' | 'other_writes' | 'commit', number> & { codes: number };

export interface Timers {
  codeStates: number;
  record: number;
  body: number;
  append: number;
  insertCode: number;
  codes: number;
}

type AnyFn = (...args: unknown[]) => unknown;

function timed<T extends AnyFn>(fn: T, self: unknown, add: (ns: number) => void): T {
  return function (...args: unknown[]) {
    const t0 = nowNs();
    try {
      return fn.apply(self, args);
    } finally {
      add(nowNs() - t0);
    }
  } as T;
}

export interface SplitTimers {
  /** A copy of the counters so far, to measure a later part of the run (the last 10 %). */
  snapshot(): Timers;
  /** receiveNs: time inside receive() over the same span; what the wrappers did not see is classify, validate, catalogue. */
  result(receiveNs: number, since?: Timers): Splits;
}

export function installSplits(ledger: Ledger): SplitTimers {
  const t: Timers = { codeStates: 0, record: 0, body: 0, append: 0, insertCode: 0, codes: 0 };
  const q = ledger.queries as unknown as Record<string, AnyFn>;
  const r = ledger.receipts as unknown as Record<string, AnyFn> & { stmts: { insertCode: Record<string, AnyFn> } };
  const log = ledger.log as unknown as Record<string, AnyFn>;
  const db = ledger.db as unknown as Record<string, AnyFn>;

  q.codeStates = timed(q.codeStates as AnyFn, ledger.queries, (ns) => (t.codeStates += ns));
  r.recordReceipt = timed(r.recordReceipt as AnyFn, ledger.receipts, (ns) => (t.record += ns));
  log.append = timed(log.append as AnyFn, ledger.log, (ns) => (t.append += ns));
  const insertCode = r.stmts.insertCode;
  insertCode.run = timed(insertCode.run as AnyFn, insertCode, (ns) => {
    t.insertCode += ns;
    t.codes++;
  });
  // Body of the transaction vs the transaction call: the difference is BEGIN + COMMIT (WAL write, fsync, checkpoint).
  const transaction = db.transaction as AnyFn;
  db.transaction = (fn: unknown) =>
    transaction.call(
      ledger.db,
      timed(fn as AnyFn, undefined, (ns) => (t.body += ns)),
    );

  const zero: Timers = { codeStates: 0, record: 0, body: 0, append: 0, insertCode: 0, codes: 0 };
  return {
    snapshot: () => ({ ...t }),
    result(receiveNs: number, since: Timers = zero): Splits {
      const d = (k: keyof Timers) => t[k] - since[k];
      const codes = d('codes');
      const per = (ns: number) => (codes === 0 ? 0 : ns / 1e3 / codes);
      return {
        codes,
        classify_validate: per(receiveNs - d('codeStates') - d('record')),
        lookup: per(d('codeStates')),
        event: per(d('append')),
        code_inserts: per(d('insertCode')),
        other_writes: per(d('body') - d('append') - d('insertCode')),
        commit: per(d('record') - d('body')),
      };
    },
  };
}
