// Benchmark suite entry: `npm run bench`. JSON lines on stdout, progress on stderr.
//   BENCH_CODES=10000000   codes in the shared ledger (default 1,000,000)
//   BENCH_ONLY=classify,ingest,lookup,bytes   run a subset (full bench names work too)
//   BENCH_KEEP=1           keep the temp dir with the ledger file
//   BENCH_CHECKPOINT_MS=n  the ledger's background WAL checkpoint interval (default: the box's own)
//   BENCH_SEED=n           PRNG seed (default 20260101)
//   BENCH_SPLITS=0         no per-phase timers in the ingest
//   BENCH_OUTBOX_RECORDS=n records drained to a simulator process (default 5,000)
//   BENCH_SALES=n, BENCH_COUNTERS=c   whole insurance sales over HTTP (default 400 sales, 4 counters)
//   BENCH_VIDEO_SECONDS=s, BENCH_VIDEO_CUTS=n   recording CPU measurement length, clip cuts (defaults 30, 7)
//   BENCH_HQ_STORES=n, BENCH_HQ_EVENTS=n, BENCH_HQ_CODES=n   chain HQ: stores, events per store, code index rows
//   BENCH_HQ_WORKERS=n                                       hq serve --workers (default: the machine's cores)
//                          (defaults 50, 4,000, 10,000,000)
//   BENCH_PTY_SCANS=n     scans written to the scanner pty and timed to the counter page in Chromium (default 300)
//   BENCH_HQ_SCANS=n, BENCH_HQ_SCAN_CODES=n   scan_with_hq_check_latency: scans per box, HQ code index rows
//                          (defaults 1,000, 2,000,000)
//   BENCH_LOGIN_PROBES=n   health/scan probes with and without the sign-in storm (default 150); BENCH_LOGIN_SPREAD=1 worst case;
//                          BENCH_LOGIN_FROM=addr  the storm's source address (default 127.0.0.9; the probes come from 127.0.0.1)

import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckpointReport } from '../agent/ledger/checkpoint-worker.cjs';
import { Ledger } from '../agent/ledger/index.js';
import { benchClassify } from './classify.js';
import { fillLedger } from './fill.js';
import { benchHq } from './hq.js';
import { benchHqScan } from './hq-scan.js';
import { benchLoginStorm } from './login-storm.js';
import { benchLookup } from './lookup.js';
import { benchOutbox } from './outbox.js';
import { benchPtyToPage, PTY_SCANS } from './pty-page.js';
import { benchSales } from './sales.js';
import { benchScan } from './scan.js';
import { benchBytes } from './size.js';
import { emit, envInt, formatRate, note, Rng } from './util.js';
import { benchVideo } from './video.js';

const ALIASES: Record<string, string> = {
  classify: 'classify',
  classify_throughput: 'classify',
  ingest: 'ingest',
  receiving_ingest: 'ingest',
  lookup: 'lookup',
  code_lookup_latency: 'lookup',
  code_lookup_latency_state: 'lookup',
  bytes: 'bytes',
  bytes_per_code: 'bytes',
  scan: 'scan',
  scan_to_verdict_latency: 'scan',
  outbox: 'outbox',
  outbox_drain_rate: 'outbox',
  outbox_write_overhead: 'outbox',
  sales: 'sales',
  sales_per_second: 'sales',
  video: 'video',
  video_record_cpu: 'video',
  video_clip_cut: 'video',
  hq: 'hq',
  hq_ingest: 'hq',
  hq_code_check_p99: 'hq',
  hq_code_check_http_p99: 'hq',
  hq_code_check_db_p99: 'hq',
  hq_scan: 'hq_scan',
  scan_with_hq_check_latency: 'hq_scan',
  login: 'login',
  login_storm_health_ms: 'login',
  login_storm_scan_ms: 'login',
  login_burst_health_ms: 'login',
  pty: 'pty',
  scan_pty_to_page_latency: 'pty',
};

function selected(): Set<string> {
  const raw = process.env.BENCH_ONLY;
  if (raw === undefined || raw.trim() === '')
    return new Set(['classify', 'ingest', 'lookup', 'bytes', 'scan', 'outbox', 'sales', 'video', 'hq', 'hq_scan', 'login', 'pty']);
  const out = new Set<string>();
  for (const name of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const canonical = ALIASES[name];
    if (!canonical) throw new Error(`BENCH_ONLY: unknown bench "${name}"; known: ${Object.keys(ALIASES).join(', ')}`);
    out.add(canonical);
  }
  return out;
}

async function main(): Promise<void> {
  const only = selected();
  const codes = envInt('BENCH_CODES', 1_000_000);
  const seed = envInt('BENCH_SEED', 20260101);
  const keep = process.env.BENCH_KEEP === '1';
  const t0 = Date.now();
  note(`node ${process.version}, ${codes.toLocaleString('en-US')} codes, benches: ${[...only].join(', ')}, seed ${seed}`);

  if (only.has('classify')) benchClassify(new Rng(seed));

  if (only.has('ingest') || only.has('lookup') || only.has('bytes') || only.has('scan')) {
    const dir = mkdtempSync(join(tmpdir(), 'counter-bench-'));
    const path = join(dir, 'ledger.sqlite');
    note(`ledger file ${path}`);
    // As the box opens it: WAL checkpoints on a worker thread (agent/ledger/checkpointer.ts).
    const checkpoints: CheckpointReport[] = [];
    const ledger = Ledger.open(path, {
      backgroundCheckpoint: {
        onCheckpoint: (r) => checkpoints.push(r),
        ...(process.env.BENCH_CHECKPOINT_MS ? { intervalMs: envInt('BENCH_CHECKPOINT_MS', 0) } : {}),
      },
    });
    try {
      const rng = new Rng(seed + 1);
      const fill = fillLedger(ledger, codes, rng, { splits: process.env.BENCH_SPLITS !== '0' });
      note(
        `fill done: ${fill.codes.toLocaleString('en-US')} codes in ${fill.wallSeconds.toFixed(1)} s wall, ${formatRate(fill.rate)} codes/s, last 10 % ${formatRate(fill.tailRate)} codes/s`,
      );
      if (fill.splits) note(`ingest µs per code by phase: ${JSON.stringify(fill.splits)}`);
      if (fill.tailSplits) note(`ingest µs per code by phase, last 10 %: ${JSON.stringify(fill.tailSplits)}`);
      if (only.has('ingest')) {
        const common = { n: fill.codes, scale: codes, receipts: fill.receipts, codes_per_receipt: 5_000, target: '>= 50000 codes/s' };
        emit('receiving_ingest', fill.rate, 'codes/s', {
          ...common,
          last10pct: fill.tailRate,
          receipt_ms_p50: fill.receiptMsP50,
          receipt_ms_p99: fill.receiptMsP99,
          wall_s: fill.wallSeconds,
          retries: fill.retries,
          meets_target: fill.rate >= 50_000,
          ...(fill.splits ? { split_us_per_code: fill.splits } : {}),
        });
        emit('receiving_ingest_last10pct', fill.tailRate, 'codes/s', {
          ...common,
          meets_target: fill.tailRate >= 50_000,
          ...(fill.tailSplits ? { split_us_per_code: fill.tailSplits } : {}),
        });
      }
      if (only.has('lookup')) benchLookup(ledger, fill.sample, fill.codes, new Rng(seed + 2));
      if (only.has('bytes')) benchBytes(ledger, path, fill.codes);
      if (only.has('scan')) await benchScan(ledger, fill.sample, fill.codes, new Rng(seed + 3), checkpoints);
    } finally {
      ledger.close();
      if (keep) note(`kept ${dir} (BENCH_KEEP=1)`);
      else rmSync(dir, { recursive: true, force: true });
    }
  }
  if (only.has('outbox')) await benchOutbox(envInt('BENCH_OUTBOX_RECORDS', 5000));
  if (only.has('sales')) await benchSales(envInt('BENCH_SALES', 400), envInt('BENCH_COUNTERS', 4));
  if (only.has('video')) await benchVideo();
  if (only.has('hq_scan')) await benchHqScan({ scans: envInt('BENCH_HQ_SCANS', 1000), codes: envInt('BENCH_HQ_SCAN_CODES', 2_000_000), timeoutMs: 150 });
  if (only.has('hq')) {
    await benchHq(
      {
        workers: envInt('BENCH_HQ_WORKERS', availableParallelism()),
        stores: envInt('BENCH_HQ_STORES', 50),
        eventsPerStore: envInt('BENCH_HQ_EVENTS', 4000),
        batch: 500,
        codes: envInt('BENCH_HQ_CODES', 10_000_000),
        lookups: 5000,
      },
      new Rng(seed + 9),
    );
  }
  if (only.has('login')) await benchLoginStorm();
  if (only.has('pty')) await benchPtyToPage(PTY_SCANS());
  note(`all done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

await main();
