// Background WAL checkpoints for the box's ledger (issue 14: scan→verdict p99 at 10 M codes).
//
// SQLite checkpoints a WAL database inside the commit that takes the log past wal_autocheckpoint (1,000 pages):
// that one commit copies the log back into the database file and fsyncs it, a few milliseconds on a scan that
// otherwise takes a fifth of one. SQLite's WAL page (https://www.sqlite.org/wal.html, "Automatic Checkpoint")
// allows for exactly that: applications "can turn off the automatic checkpoints and run checkpoints during idle
// moments or in a separate thread or process". This does it: a worker thread with its own connection runs a
// PASSIVE checkpoint every interval (checkpoint-worker.cts), and the box's connection keeps SQLite's automatic
// checkpoint only as a safety net ten times further out. A worker that cannot start or dies puts the automatic
// checkpoint back at SQLite's default.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { betterSqlite3Binding } from '../native.js';
import type { CheckpointReport, CheckpointWorkerData } from './checkpoint-worker.cjs';
import type { Db } from './db.js';

export interface BackgroundCheckpointOptions {
  /** How often the worker checkpoints (default 250 ms). */
  intervalMs?: number;
  /** The box's own connection's automatic checkpoint, kept as a safety net (default 10,000 frames: 40 MB of 4 KB pages). */
  safetyNetFrames?: number;
  /** The worker could not start or stopped: checkpoints are back inside commits (log it). */
  onFallback?: (err: Error) => void;
  /** Each checkpoint that copied frames (tests and the bench). */
  onCheckpoint?: (r: CheckpointReport) => void;
}

/** SQLite's default, restored when the worker is gone. */
const AUTOCHECKPOINT_PAGES = 1000;
/**
 * The box's own connection still checkpoints past this many frames. The log starts again from its beginning only
 * when a write begins with every frame already copied; while writes keep coming (a bulk receipt, the bench) each
 * lands during the worker's checkpoint, so without this net the file would grow without end. A box's normal load
 * never reaches it: the worker copies the log in the idle moments between sales.
 */
const SAFETY_NET_FRAMES = 10_000;
/** How long close() waits for the worker to close its connection (a checkpoint in progress finishes first). */
const STOP_WAIT_MS = 5000;

/** The compiled worker: beside this module in dist/, or in dist/ when the tests run this module from its source. */
function workerPath(): string {
  const beside = fileURLToPath(new URL('./checkpoint-worker.cjs', import.meta.url));
  if (existsSync(beside)) return beside;
  return fileURLToPath(new URL('../../dist/agent/ledger/checkpoint-worker.cjs', import.meta.url));
}

function describe(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err) return String((err as { code: unknown }).code);
  return String(err);
}

export class BackgroundCheckpointer {
  private readonly worker: Worker;
  private readonly closed = new Int32Array(new SharedArrayBuffer(4));
  /** 'worker' once the worker has its connection; 'in_commits' after a fallback or stop (SQLite's default again). */
  state: 'starting' | 'worker' | 'in_commits' = 'starting';

  constructor(
    private readonly db: Db,
    path: string,
    opts: BackgroundCheckpointOptions = {},
  ) {
    const data: CheckpointWorkerData = {
      path,
      intervalMs: opts.intervalMs ?? 250,
      nativeBinding: betterSqlite3Binding(),
      closed: this.closed.buffer as SharedArrayBuffer,
    };
    db.pragma(`wal_autocheckpoint = ${opts.safetyNetFrames ?? SAFETY_NET_FRAMES}`);
    // A string path, not a URL: the single executable's Worker loads a file of its virtual file system only by name.
    this.worker = new Worker(workerPath(), { workerData: data });
    // The box closes its ledger on stop; a ledger a test forgets must not keep the process alive.
    this.worker.unref();
    this.worker.on('message', (m: CheckpointReport | { kind: 'ready' }) => {
      if (m.kind === 'ready' && this.state === 'starting') this.state = 'worker';
      if (m.kind === 'checkpoint') opts.onCheckpoint?.(m);
    });
    const fallBack = (err: Error) => {
      if (this.state === 'in_commits') return;
      this.state = 'in_commits';
      if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
      opts.onFallback?.(err);
    };
    // An error thrown in the worker arrives as a clone; better-sqlite3's SqliteError arrives as just { code }.
    this.worker.on('error', (err: unknown) =>
      fallBack(err instanceof Error && err.message ? err : new Error(`the checkpoint worker failed: ${describe(err)}`)),
    );
    this.worker.on('exit', (code) => fallBack(new Error(`the checkpoint worker exited (code ${code})`)));
  }

  /** Asks the worker for a checkpoint now (tests); the regular one runs every interval anyway. */
  checkpointNow(): void {
    if (this.state !== 'in_commits') this.worker.postMessage('checkpoint');
  }

  /**
   * Stops the worker and waits (blocking, at most a few seconds) until its connection is closed, so the box's
   * own close is the last one and SQLite folds the WAL back into the file as it always did.
   */
  stop(): void {
    if (this.state === 'in_commits') return;
    this.state = 'in_commits';
    this.worker.postMessage('stop');
    Atomics.wait(this.closed, 0, 0, STOP_WAIT_MS);
    void this.worker.terminate();
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  }
}
