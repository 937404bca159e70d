// code_lookup_latency: queries.codeLife(key) and queries.codeStates([key]) against a bare primary-key
// SELECT on the same connection, same file, same keys, in the same run.

import type { Ledger } from '../agent/ledger/index.js';
import { emit, median, note, quantileSorted, type Rng } from './util.js';

const ROUNDS = 3;
const MISS_SHARE = 0.1;

interface Stats {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** Latency in ms of fn over every key, one process.hrtime.bigint pair per lookup. */
function measure(keys: readonly string[], fn: (key: string) => unknown): Stats {
  const lat = new Float64Array(keys.length);
  let sink = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const t0 = process.hrtime.bigint();
    const r = fn(key);
    lat[i] = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r !== undefined) sink++;
  }
  if (sink < 0) note('(sink)');
  const sum = lat.reduce((a, b) => a + b, 0);
  lat.sort();
  return {
    p50: quantileSorted(lat, 0.5),
    p99: quantileSorted(lat, 0.99),
    p999: quantileSorted(lat, 0.999),
    max: quantileSorted(lat, 1),
    mean: sum / lat.length,
  };
}

function medianStats(runs: readonly Stats[]): Stats {
  const m = (k: keyof Stats) => median(runs.map((r) => r[k]));
  return { p50: m('p50'), p99: m('p99'), p999: m('p999'), max: m('max'), mean: m('mean') };
}

/** Keys that look like real codes of the catalogue but were never received. */
function missKeys(sample: readonly string[], count: number, rng: Rng): string[] {
  const prefixes = [...new Set(sample.slice(0, 1000).map((k) => k.slice(0, 7)))];
  const present = new Set(sample);
  const out: string[] = [];
  while (out.length < count) {
    const k = `${rng.pick(prefixes)}${rng.serial13()}`;
    if (!present.has(k)) out.push(k);
  }
  return out;
}

export function benchLookup(ledger: Ledger, sample: readonly string[], codesInLedger: number, rng: Rng): void {
  const misses = missKeys(sample, Math.round(sample.length * MISS_SHARE), rng);
  const keys = [...sample, ...misses];
  const baseStmt = ledger.db.prepare('SELECT state FROM trace_codes WHERE code = ?').pluck();
  const fns: Record<'baseline' | 'codeLife' | 'codeStates', (k: string) => unknown> = {
    baseline: (k) => baseStmt.get(k),
    codeLife: (k) => ledger.queries.codeLife(k),
    codeStates: (k) => (ledger.queries.codeStates([k]).size > 0 ? true : undefined),
  };
  const names = Object.keys(fns) as (keyof typeof fns)[];

  // Warm-up: one untimed pass brings the pages of these keys into the OS and SQLite caches, and lets V8 optimise.
  for (const k of keys) baseStmt.get(k);
  for (const name of names) for (let i = 0; i < 5_000; i++) fns[name](keys[i % keys.length] as string);

  const runs: Record<keyof typeof fns, Stats[]> = { baseline: [], codeLife: [], codeStates: [] };
  for (let round = 0; round < ROUNDS; round++) {
    rng.shuffle(keys);
    // Rotate the order each round so no function always runs first (or last) on a warm cache.
    const order = names.map((_, i) => names[(i + round) % names.length] as keyof typeof fns);
    for (const name of order) {
      const s = measure(keys, fns[name]);
      runs[name].push(s);
      note(`lookup round ${round + 1}/${ROUNDS} ${name}: p50 ${(s.p50 * 1e3).toFixed(1)} µs, p99 ${(s.p99 * 1e3).toFixed(1)} µs, max ${s.max.toFixed(2)} ms`);
    }
  }
  const base = medianStats(runs.baseline);
  const common = { n: keys.length, hits: sample.length, misses: misses.length, rounds: ROUNDS, scale: codesInLedger };
  const baseline = { p50: base.p50, p99: base.p99, p999: base.p999 };
  for (const [bench, name] of [
    ['code_lookup_latency', 'codeLife'],
    ['code_lookup_latency_state', 'codeStates'],
  ] as const) {
    const s = medianStats(runs[name]);
    emit(bench, s.p99, 'ms', {
      stat: 'p99',
      p50: s.p50,
      p99: s.p99,
      p999: s.p999,
      max: s.max,
      mean: s.mean,
      baseline,
      ratio: { p50: s.p50 / base.p50, p99: s.p99 / base.p99 },
      ...common,
      target: 'p99 <= 1 ms at 10M codes',
      meets_target: s.p99 <= 1,
    });
  }
}
