import type Database from 'better-sqlite3';
import type { Logger } from '../../agent/log.js';
import { type BackoffPolicy, backoffDelayMs } from '../../common/backoff.js';
import { type BoxStatusReport, HqClient, HqUnavailableError } from './client.js';
import { ReplicationCursor } from './cursor.js';

export interface ReplicatorOptions {
  db: Database.Database;
  url: string;
  storeCode: string;
  credential?: string | undefined;
  enrolmentCode?: string | undefined;
  batchSize: number;
  log: Logger;
  clock?: () => Date;
  /** Poll interval when caught up (a new ledger event also wakes it through notify()). */
  idleMs?: number;
  backoff?: BackoffPolicy;
  /** The box's state for the HQ page (version, platform outbox, alarms); sent with the replication state every statusEveryMs. */
  status?: () => Promise<Omit<BoxStatusReport, 'localSeq' | 'oldestUnsentAt'>>;
  /** Default one minute. */
  statusEveryMs?: number;
}

export type StepResult = 'more' | 'idle' | 'error';

export interface ReplicationStatus {
  ackedSeq: number;
  localSeq: number;
  lag: number;
  lastOkAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
}

/**
 * Pushes the ledger's events to HQ in order, in batches. HQ is idempotent by (store, seq) and answers with its
 * head, so the cursor always moves to HQ's head: after a restart, a SIGKILL or days offline the box resumes
 * exactly where HQ's copy ends — a batch sent twice is a no-op at HQ, and HQ never accepts a seq beyond head + 1.
 */
export class HqReplicator {
  readonly client: HqClient;
  private readonly cursor: ReplicationCursor;
  private readonly clock: () => Date;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private failures = 0;
  private lastReportAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: ReplicatorOptions) {
    this.cursor = new ReplicationCursor(opts.db);
    this.clock = opts.clock ?? (() => new Date());
    // A credential in the config wins (an admin re-issued one); else the one enrolment left in the ledger.
    const credential = opts.credential ?? this.cursor.row().credential ?? null;
    this.client = new HqClient(opts.url, credential);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** A ledger event was written: push now rather than at the next poll. */
  notify(): void {
    this.wake?.();
  }

  status(): ReplicationStatus {
    const row = this.cursor.row();
    const localSeq = this.cursor.lastEvent()?.seq ?? 0;
    return {
      ackedSeq: row.acked_seq,
      localSeq,
      lag: Math.max(0, localSeq - row.acked_seq),
      lastOkAt: row.last_ok_at,
      lastError: row.last_error,
      lastErrorAt: row.last_error_at,
    };
  }

  private async run(): Promise<void> {
    while (this.running) {
      const r = await this.step();
      await this.report();
      if (r === 'more') continue;
      const delay =
        r === 'idle' ? (this.opts.idleMs ?? 1000) : backoffDelayMs(this.failures, this.opts.backoff ?? { initialMs: 1000, maxMs: 300_000 }, Math.random);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        // Only an idle pusher wakes early on a new event; one backing off keeps its pace.
        this.wake = () => {
          if (r === 'idle' || !this.running) {
            clearTimeout(t);
            resolve();
          }
        };
      });
      this.wake = null;
    }
  }

  /** One round: enrol if needed, send the next batch, move the cursor to HQ's head. */
  async step(): Promise<StepResult> {
    const now = this.clock();
    try {
      if (!(await this.ensureCredential())) return this.fail('no HQ credential: set hq.credential or hq.enrolmentCode', now);
      const acked = this.cursor.row().acked_seq;
      const events = this.cursor.eventsAfter(acked, this.opts.batchSize);
      if (events.length === 0) {
        this.failures = 0;
        return 'idle';
      }
      const r = await this.client.push(events);
      switch (r.kind) {
        case 'ok':
        case 'out_of_order': {
          const local = this.cursor.lastEvent();
          if (local && r.head.seq > local.seq) {
            return this.fail(
              `HQ holds ${r.head.seq} events of this store but this ledger only ${local.seq}: the ledger was cut or restored; run counter-agent verify-ledger --anchor`,
              now,
            );
          }
          this.cursor.ack(r.head.seq, r.head.hash, now);
          this.failures = 0;
          if (r.kind === 'out_of_order') this.opts.log.info({ expectedSeq: r.expectedSeq }, 'HQ replication resumes from HQ head');
          return r.head.seq < (local?.seq ?? 0) ? 'more' : 'idle';
        }
        case 'flagged':
          return this.fail(`${r.error}: ${r.message} (${r.flag.code} at seq ${r.flag.seq})`, now);
        case 'unauthorized':
          return this.fail(`HQ refused the credential: ${r.message}`, now);
      }
    } catch (err) {
      return this.fail((err as Error).message, now, err instanceof HqUnavailableError);
    }
  }

  /** The heartbeat, at most once per statusEveryMs; a failure waits for the next one (HQ down is the push's alarm). */
  async report(force = false): Promise<boolean> {
    const source = this.opts.status;
    if (!source || !(this.opts.credential || this.cursor.row().credential)) return false;
    const now = Date.now();
    if (!force && now - this.lastReportAt < (this.opts.statusEveryMs ?? 60_000)) return false;
    this.lastReportAt = now;
    try {
      const acked = this.cursor.row().acked_seq;
      const next = this.cursor.eventsAfter(acked, 1)[0];
      await this.client.status({ ...(await source()), localSeq: this.cursor.lastEvent()?.seq ?? 0, oldestUnsentAt: next?.at ?? null });
      return true;
    } catch (err) {
      this.opts.log.debug({ err: (err as Error).message }, 'HQ status report failed');
      return false;
    }
  }

  private async ensureCredential(): Promise<boolean> {
    if (this.opts.credential || this.cursor.row().credential) return true;
    if (!this.opts.enrolmentCode) return false;
    const credential = await this.client.enrol(this.opts.storeCode, this.opts.enrolmentCode);
    this.cursor.saveCredential(credential);
    this.client.setCredential(credential);
    this.opts.log.info({ store: this.opts.storeCode }, 'enrolled at HQ; credential kept in the ledger');
    return true;
  }

  private fail(message: string, now: Date, transient = false): StepResult {
    this.failures++;
    this.cursor.error(message, now);
    if (transient && this.failures > 1) this.opts.log.debug({ err: message }, 'HQ replication retrying');
    else this.opts.log.warn({ err: message }, 'HQ replication failed');
    return 'error';
  }
}
