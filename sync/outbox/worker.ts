import type { LedgerEvent, OutboxQueue, OutboxRow, Outcome } from '../../agent/ledger/index.js';
import { type BackoffPolicy, backoffDelayMs } from '../../common/backoff.js';
import { PlatformError, PlatformRejectedError } from '../errors.js';
import { type MapContext, type MappedUpload, MappingError, mapOutboxRecord, UnreportableRecordError } from '../mappers/index.js';

export interface OutboxWorkerOptions {
  /** The ledger's outbox (one writer per process). */
  queue: OutboxQueue;
  /** Sends one record; throws PlatformError (transient or not) on failure. */
  upload: (record: MappedUpload) => Promise<unknown>;
  mapContext: MapContext;
  clock?: () => Date;
  random?: () => number;
  /** Records in flight at once (distinct record keys only). */
  concurrency?: number;
  batchSize?: number;
  /** Retry delays, with full jitter; default 1 s doubling up to 5 min. */
  backoff?: BackoffPolicy;
  /** Idle poll when nothing is due (new rows also wake the worker through notify()). */
  idleMs?: number;
  /** How long notify() waits to gather more new records into one batch (default 50 ms). */
  coalesceMs?: number;
  onError?: (entry: { id: number; infno: string; recordKey: string; error: string; permanent: boolean }) => void;
  /** After each pass that got records accepted: what went, and the newest ledger event among them. */
  onDrained?: (batch: TickResult & { lastEventSeq: number }) => void;
}

export interface TickResult {
  sent: number;
  retried: number;
  failed: number;
}

/**
 * Drains the outbox to the platform: in order per record key and across interfaces, many records of one
 * interface in parallel, exponential
 * backoff with jitter, transient failures retried for as long as it takes (days offline included),
 * permanent ones kept as 'failed' and shown. State lives in SQLite, so a restart resumes where it was.
 */
export class OutboxWorker {
  private readonly store: OutboxQueue;
  private readonly clock: () => Date;
  private readonly random: () => number;
  private readonly concurrency: number;
  private readonly batchSize: number;
  private readonly backoff: BackoffPolicy;
  /** Consecutive ticks in which the platform could not be reached: then only one record probes. */
  private outage = 0;
  private pausedUntil = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: OutboxWorkerOptions) {
    this.store = opts.queue;
    this.clock = opts.clock ?? (() => new Date());
    this.random = opts.random ?? Math.random;
    this.concurrency = opts.concurrency ?? 16;
    this.batchSize = opts.batchSize ?? 256;
    this.backoff = opts.backoff ?? { initialMs: 1000, maxMs: 300_000 };
  }

  /** One pass over the records due now. */
  async tick(): Promise<TickResult> {
    const now = this.clock();
    if (now.getTime() < this.pausedUntil) return { sent: 0, retried: 0, failed: 0 };
    const due = this.outage > 0 ? this.store.due(now, 1, true) : this.store.due(now, this.batchSize);
    if (due.length === 0) return { sent: 0, retried: 0, failed: 0 };
    // Records of one interface are independent of each other and go in parallel; a change of interface
    // is a barrier, so a sale never overtakes the purchase it sells from.
    const rows = sameInterfaceRun(due);
    const events = new Map<number, LedgerEvent | undefined>();
    const outcomes: Outcome[] = new Array(rows.length);
    let next = 0;
    const lane = async () => {
      while (next < rows.length) {
        const i = next++;
        outcomes[i] = await this.send(rows[i] as OutboxRow, events);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, rows.length) }, lane));
    this.store.record(outcomes, this.clock());

    const retried = outcomes.filter((o) => o.result === 'retry').length;
    const sent = outcomes.filter((o) => o.result === 'sent').length;
    if (retried > 0 && sent === 0) {
      this.outage++;
      this.pausedUntil = this.clock().getTime() + backoffDelayMs(this.outage, this.backoff, this.random);
    } else if (sent > 0) {
      // The platform is back: records delayed by the outage go now, oldest first, not when their backoff ends.
      if (this.outage > 0) this.store.makeDueNow(this.clock());
      this.outage = 0;
      this.pausedUntil = 0;
    }
    const result = { sent, retried, failed: outcomes.length - sent - retried };
    if (sent > 0) this.opts.onDrained?.({ ...result, lastEventSeq: Math.max(...rows.map((r) => r.event_seq)) });
    return result;
  }

  private async send(row: OutboxRow, events: Map<number, LedgerEvent | undefined>): Promise<Outcome> {
    try {
      if (!events.has(row.event_seq)) events.set(row.event_seq, this.store.event(row.event_seq));
      const event = events.get(row.event_seq);
      if (!event) throw new MappingError(`ledger event ${row.event_seq} not found`);
      await this.opts.upload(mapOutboxRecord(event, row.infno, row.record_key, this.opts.mapContext));
      return { id: row.id, result: 'sent' };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // Only a definite "no" is permanent; anything unexpected is retried rather than dropped.
      const permanent = err instanceof MappingError || (err instanceof PlatformError && !err.transient);
      this.opts.onError?.({ id: row.id, infno: row.infno, recordKey: row.record_key, error: message, permanent });
      const error = shownError(err, message);
      if (permanent) return { id: row.id, result: 'failed', error };
      const delay = backoffDelayMs(row.attempts + 1, this.backoff, this.random);
      return { id: row.id, result: 'retry', error, nextAttemptAt: new Date(this.clock().getTime() + delay) };
    }
  }

  /** New rows were written: don't wait for the idle poll. */
  notify(): void {
    // Coalesce: a busy counter settles many sales a second; gathering their records for a few
    // milliseconds sends them as one batch instead of a tick per sale.
    if (this.wakeTimer) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.wake?.();
    }, this.opts.coalesceMs ?? 50);
    this.wakeTimer.unref();
  }

  retryFailed(ids?: readonly number[]): number {
    const n = this.store.retryFailed(this.clock(), ids);
    this.outage = 0;
    this.pausedUntil = 0;
    this.notify();
    return n;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        let result: TickResult = { sent: 0, retried: 0, failed: 0 };
        try {
          result = await this.tick();
        } catch (err) {
          // A database error here must not kill the process or the loop; try again after a pause.
          this.opts.onError?.({ id: 0, infno: '', recordKey: '', error: `outbox worker: ${(err as Error).message}`, permanent: false });
        }
        if (!this.running) break;
        if (result.sent + result.retried + result.failed > 0 && this.pausedUntil === 0) continue;
        await this.sleep(this.waitMs());
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wake?.();
    await this.loop;
  }

  private waitMs(): number {
    const now = this.clock().getTime();
    const idle = this.opts.idleMs ?? 1000;
    const nextDue = this.store.nextDueAt()?.getTime();
    const until = Math.max(this.pausedUntil, nextDue ?? now + idle);
    return Math.max(10, Math.min(idle, until - now));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }
}

/**
 * What the manager's sync screen shows: a refusal in the platform's own Chinese words (it says what is
 * wrong with the record); a transient failure in Chinese with the technical detail for the technician.
 */
function shownError(err: unknown, message: string): string {
  if (err instanceof PlatformRejectedError) return err.userMessage;
  if (err instanceof PlatformError) return `${err.userMessage}（${message}）`;
  if (err instanceof UnreportableRecordError) return `无法上报：${message}`;
  if (err instanceof MappingError) return `本机无法生成该上传记录（账本数据或程序错误），请联系技术人员（${message}）`;
  return message;
}

function sameInterfaceRun(rows: OutboxRow[]): OutboxRow[] {
  const first = rows[0]?.infno;
  const end = rows.findIndex((r) => r.infno !== first);
  return end === -1 ? rows : rows.slice(0, end);
}
