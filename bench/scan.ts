// scan_to_verdict_latency: adding an item by trace code to an open sale (every scan-time rule, the
// basket write) on the filled ledger, with the same run's bare primary-key lookup as the baseline. It times
// CheckoutService.addItem, the call every scan makes: the HTTP route then also builds the new line's view
// (itemView) and the device route pushes a server-sent event, neither of which is in this figure.

import type { SettlementPort } from '../agent/checkout/port.js';
import { CheckoutService } from '../agent/checkout/service.js';
import type { CheckpointReport } from '../agent/ledger/checkpoint-worker.cjs';
import type { Ledger } from '../agent/ledger/index.js';
import { createLogger } from '../agent/log.js';
import { emit, note, nowNs, quantile, type Rng } from './util.js';

/** Scanning never talks to the platform; a settlement attempt here would be a bench bug. */
const noPlatform: SettlementPort = new Proxy({} as SettlementPort, {
  get: () => () => {
    throw new Error('the scan bench does not settle');
  },
});

/** Lets the worker's checkpoint reports queued during a synchronous run arrive. */
const drain = () => new Promise((resolve) => setTimeout(resolve, 100));

/** `checkpoints`: the background checkpointer's reports, appended as they arrive (bench/run.ts). */
export async function benchScan(
  ledger: Ledger,
  sample: readonly string[],
  codesInLedger: number,
  rng: Rng,
  checkpoints: readonly CheckpointReport[] = [],
): Promise<void> {
  await drain();
  const before = checkpoints.length;
  const checkout = new CheckoutService({ ledger, port: noPlatform, classifyOptions: {}, requireTraceCodesForSelfPay: true, log: createLogger('silent') });
  const keys = rng.shuffle([...sample]).slice(0, 20_000);
  const pk = ledger.db.prepare('SELECT state FROM trace_codes WHERE code = ?').pluck();
  const ours: number[] = [];
  const base: number[] = [];
  // CPU time per scan and whether the kernel preempted it: on a loaded machine the wall-clock tail is mostly other
  // processes' time slices, which these two separate from the scan's own work (read outside the timed window).
  const cpuUs: number[] = [];
  const calm: number[] = [];
  let accepted = 0;
  let sale = checkout.open('bench');
  keys.forEach((key, i) => {
    // A basket of 20 lines, then a fresh sale (voided, so the boxes stay in stock for later runs).
    if (i % 20 === 0 && i > 0) {
      checkout.void(sale);
      sale = checkout.open('bench');
    }
    let t = nowNs();
    pk.get(key);
    base.push((nowNs() - t) / 1e6);
    const u0 = process.resourceUsage();
    t = nowNs();
    const r = checkout.addItem(sale, key);
    const ms = (nowNs() - t) / 1e6;
    const u1 = process.resourceUsage();
    ours.push(ms);
    cpuUs.push(u1.userCPUTime + u1.systemCPUTime - u0.userCPUTime - u0.systemCPUTime);
    if (u1.involuntaryContextSwitches === u0.involuntaryContextSwitches) calm.push(ms);
    if (r.ok) accepted++;
  });
  checkout.void(sale);
  await drain();
  const during = checkpoints.slice(before);
  const p50 = quantile(ours, 0.5);
  const p99 = quantile(ours, 0.99);
  const b50 = quantile(base, 0.5);
  const b99 = quantile(base, 0.99);
  note(`scan: ${accepted}/${keys.length} accepted`);
  emit('scan_to_verdict_latency', p99, 'ms', {
    stat: 'p99',
    p50,
    p99,
    p999: quantile(ours, 0.999),
    baseline: { p50: b50, p99: b99 },
    ratio: { p50: p50 / b50, p99: p99 / b99 },
    cpu_us: { p50: quantile(cpuUs, 0.5), p99: quantile(cpuUs, 0.99) },
    not_preempted: { share: calm.length / keys.length, p50: quantile(calm, 0.5), p99: quantile(calm, 0.99) },
    n: keys.length,
    accepted,
    scale: codesInLedger,
    // WAL checkpoints ran beside the scans on the worker thread, not inside their commits.
    background_checkpoints: { count: during.length, ms_max: Math.max(0, ...during.map((c) => c.ms)), wal_frames_max: Math.max(0, ...during.map((c) => c.log)) },
    target: 'p99 <= 1 ms at 10M codes',
    meets_target: p99 <= 1,
  });
}
