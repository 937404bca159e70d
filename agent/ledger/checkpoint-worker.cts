// The ledger's WAL checkpoints, on a thread of their own (agent/ledger/checkpointer.ts starts it). Its own
// connection to the ledger file runs a PASSIVE checkpoint every interval: PASSIVE never waits for the counter's
// writes and never makes them wait, so copying the WAL back into the database file (and its fsync) happens beside
// the scans instead of inside whichever scan's commit crossed SQLite's autocheckpoint threshold.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface CheckpointWorkerData {
  path: string;
  intervalMs: number;
  /** The better-sqlite3 addon file when the loader packages cannot find it (the single executable). */
  nativeBinding: string | undefined;
  /** [0]: set to 1 by the worker once its connection is closed (the owner waits on it when stopping). */
  closed: SharedArrayBuffer;
}

export interface CheckpointReport {
  kind: 'checkpoint';
  /** Frames in the WAL and how many of them are now in the database file (sqlite3_wal_checkpoint_v2). */
  log: number;
  checkpointed: number;
  ms: number;
}

const data = workerData as CheckpointWorkerData;
const port = parentPort;
if (!port) throw new Error('checkpoint-worker.js runs as a worker thread');
const closed = new Int32Array(data.closed);

const db = new Database(data.path, { fileMustExist: true, ...(data.nativeBinding ? { nativeBinding: data.nativeBinding } : {}) });
// synchronous=FULL: the checkpoint fsyncs the WAL before copying and the database file after, as the box's own would.
db.pragma('synchronous = FULL');
// Only PASSIVE, ever: it takes no lock the box's writes wait for. A stronger mode (FULL, RESTART) holds the write
// lock, and a box transaction that read before writing (BEGIN DEFERRED) then fails at once with SQLITE_BUSY instead
// of waiting: SQLite invokes no busy handler for that upgrade.
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

function runCheckpoint(): void {
  const t = performance.now();
  const r = checkpoint.get() as { busy: number; log: number; checkpointed: number };
  // Only a checkpoint that copied something is news (an idle box checks every interval and copies nothing).
  if (r.log > 0 && r.checkpointed > 0) port?.postMessage({ kind: 'checkpoint', log: r.log, checkpointed: r.checkpointed, ms: performance.now() - t } satisfies CheckpointReport);
}

const timer = setInterval(runCheckpoint, data.intervalMs);
port.on('message', (msg: unknown) => {
  if (msg === 'checkpoint') runCheckpoint();
  if (msg !== 'stop') return;
  clearInterval(timer);
  try {
    db.close();
  } finally {
    Atomics.store(closed, 0, 1);
    Atomics.notify(closed, 0);
    port.close();
  }
});
port.postMessage({ kind: 'ready' });
