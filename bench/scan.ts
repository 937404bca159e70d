// scan_to_verdict_latency: adding an item by trace code to an open sale (every scan-time rule, the
// basket write) on the filled ledger, with the same run's bare primary-key lookup as the baseline.

import type { SettlementPort } from '../agent/checkout/port.js';
import { CheckoutService } from '../agent/checkout/service.js';
import type { Ledger } from '../agent/ledger/index.js';
import { createLogger } from '../agent/log.js';
import { emit, note, nowNs, quantile, type Rng } from './util.js';

/** Scanning never talks to the platform; a settlement attempt here would be a bench bug. */
const noPlatform: SettlementPort = new Proxy({} as SettlementPort, {
  get: () => () => {
    throw new Error('the scan bench does not settle');
  },
});

export function benchScan(ledger: Ledger, sample: readonly string[], codesInLedger: number, rng: Rng): void {
  const checkout = new CheckoutService({ ledger, port: noPlatform, classifyOptions: {}, requireTraceCodesForSelfPay: true, log: createLogger('silent') });
  const keys = rng.shuffle([...sample]).slice(0, 20_000);
  const pk = ledger.db.prepare('SELECT state FROM trace_codes WHERE code = ?').pluck();
  const ours: number[] = [];
  const base: number[] = [];
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
    t = nowNs();
    const r = checkout.addItem(sale, key);
    ours.push((nowNs() - t) / 1e6);
    if (r.ok) accepted++;
  });
  checkout.void(sale);
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
    n: keys.length,
    accepted,
    scale: codesInLedger,
    target: 'p99 <= 1 ms at 10M codes',
    meets_target: p99 <= 1,
  });
}
