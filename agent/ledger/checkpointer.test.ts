// The box's ledger checkpoints its WAL on a worker thread (checkpointer.ts): commits never checkpoint, the worker
// folds the WAL back so it stays bounded, closing leaves one clean file, and a worker that cannot run gives the
// checkpoints back to SQLite. Real files, a real worker thread running the compiled worker from dist/.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AMOX, code, receipt } from '../../test/fixtures.js';
import { tempDir } from '../../test/helpers.js';
import { ReceivingService } from '../receiving/service.js';
import type { CheckpointReport } from './checkpoint-worker.cjs';
import { BackgroundCheckpointer } from './checkpointer.js';
import { openLedger } from './db.js';
import { CodeState, Ledger } from './index.js';

const at = new Date('2026-11-22T02:00:00Z');
let dir: { dir: string; cleanup: () => void };
let path: string;

beforeEach(() => {
  dir = tempDir();
  path = join(dir.dir, 'ledger.db');
});
afterEach(() => dir.cleanup());

const walBytes = () => (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);

/** Receipts of 500 boxes each, numbered from `from`: real ledger writes (events, codes, lots). */
function receive(ledger: Ledger, receipts: number, from: number): void {
  const receiving = new ReceivingService(ledger, {}, () => at);
  for (let r = 0; r < receipts; r++) {
    const codes = Array.from({ length: 500 }, (_, i) => code(AMOX.tracePrefix as string, from + r * 500 + i));
    const input = receipt({ invoiceNo: `INV-${from + r}` });
    const line = input.lines[0];
    if (!line) throw new Error('fixture receipt has no line');
    const result = receiving.receive({ ...input, lines: [{ ...line, packs: codes.length, codes }] });
    if (!result.ok) throw new Error(`receipt refused: ${JSON.stringify(result)}`);
  }
}

function nextCheckpoint(reports: CheckpointReport[], after: number, timeoutMs = 10_000): Promise<CheckpointReport> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      const r = reports[after];
      if (r) resolve(r);
      else if (Date.now() - t0 > timeoutMs) reject(new Error('no checkpoint report from the worker'));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

describe('background WAL checkpoints', () => {
  it('commits leave the WAL to the worker, which folds it back so it stops growing; close leaves one file', async () => {
    const reports: CheckpointReport[] = [];
    // A long interval: checkpoints happen only when the test asks, so the growth without one is visible.
    const ledger = Ledger.open(path, { backgroundCheckpoint: { intervalMs: 600_000, onCheckpoint: (r) => reports.push(r) } });
    ledger.catalog.importProducts([AMOX], { at });
    // Only a safety net ten times beyond SQLite's default.
    expect(ledger.db.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);

    receive(ledger, 100, 0);
    // SQLite's own checkpoint would have restarted the log at 1,000 pages (4 MB; a receipt here writes ~35); nothing did.
    const grown = walBytes();
    expect(grown).toBeGreaterThan(2.5 * 1000 * 4096);

    ledger.checkpointer?.checkpointNow();
    const r = await nextCheckpoint(reports, 0);
    expect(r.checkpointed).toBe(r.log);
    // The next writes start the log again from its beginning: the file does not grow.
    receive(ledger, 4, 100 * 500);
    expect(walBytes()).toBe(grown);

    ledger.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    const again = Ledger.open(path);
    try {
      const first = code(AMOX.tracePrefix as string, 0);
      const last = code(AMOX.tracePrefix as string, 104 * 500 - 1);
      const states = again.queries.codeStates([first, last]);
      expect(states.get(first)).toBe(CodeState.IN_STOCK);
      expect(states.get(last)).toBe(CodeState.IN_STOCK);
    } finally {
      again.close();
    }
  });

  it('a burst of writes with no pause keeps the WAL bounded (the safety net), and no write fails beside the worker', async () => {
    const ledger = Ledger.open(path, { backgroundCheckpoint: { intervalMs: 5, safetyNetFrames: 500 } });
    try {
      ledger.catalog.importProducts([AMOX], { at });
      let largest = 0;
      // ~35 frames a receipt: 300 receipts would leave ~10,000 frames (40 MB) in a log nobody restarts.
      for (let r = 0; r < 30; r++) {
        receive(ledger, 10, r * 10 * 500);
        largest = Math.max(largest, walBytes());
      }
      expect(largest).toBeLessThan(8 * 1024 * 1024);
    } finally {
      ledger.close();
    }
  });

  it('checkpoints every interval without being asked', async () => {
    const reports: CheckpointReport[] = [];
    const ledger = Ledger.open(path, { backgroundCheckpoint: { intervalMs: 50, onCheckpoint: (r) => reports.push(r) } });
    try {
      ledger.catalog.importProducts([AMOX], { at });
      receive(ledger, 2, 0);
      const r = await nextCheckpoint(reports, 0);
      expect(r.checkpointed).toBeGreaterThan(0);
      expect(ledger.checkpointer?.state).toBe('worker');
    } finally {
      ledger.close();
    }
  });

  it('a worker that cannot open the file gives checkpoints back to the commits and says so', async () => {
    const db = openLedger(path);
    try {
      let checkpointer: BackgroundCheckpointer | undefined;
      const failed = new Promise<Error>((resolve) => {
        checkpointer = new BackgroundCheckpointer(db, join(dir.dir, 'no-such-ledger.db'), { onFallback: resolve });
      });
      const err = await failed;
      expect(checkpointer?.state).toBe('in_commits');
      expect(err.message).toMatch(/SQLITE_CANTOPEN/);
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    } finally {
      db.close();
    }
  });
});
