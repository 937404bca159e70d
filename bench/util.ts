// Shared helpers for the benchmark suite: output lines, statistics, a seeded PRNG, environment knobs.

/** One result line on stdout: `{"bench", "value", "unit", ...extra}`. Everything else goes to stderr. */
export function emit(bench: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ bench, value: round(value), unit, ...roundAll(extra) })}\n`);
}

/** Progress and diagnostics, never mixed into the JSON lines. */
export function note(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

/** Four significant digits: enough for a benchmark, short enough to read. */
export function round(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const digits = Math.max(0, 3 - Math.floor(Math.log10(Math.abs(x))));
  return Number(x.toFixed(Math.min(digits, 6)));
}

function roundAll(extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(extra)) {
    if (typeof v === 'number') out[k] = round(v);
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) out[k] = roundAll(v as Record<string, unknown>);
    else out[k] = v;
  }
  return out;
}

export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** Nearest-rank quantile (q in [0, 1]) of an unsorted sample. */
export function quantile(xs: readonly number[] | Float64Array, q: number): number {
  const sorted = Float64Array.from(xs).sort();
  return quantileSorted(sorted, q);
}

export function quantileSorted(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Nanoseconds as a number (fine below 2^53 ns, about 104 days). */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** sfc32: small, fast, 128-bit state; seeded so runs are repeatable (BENCH_SEED). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform integer in [0, n) for n <= 2^32. */
  int(n: number): number {
    return Math.floor((this.u32() / 0x1_0000_0000) * n);
  }

  /** 13 random decimal digits: a 码上放心 serial, so inserts land at random B-tree positions. */
  serial13(): string {
    return String(this.int(1_000_000)).padStart(6, '0') + String(this.int(10_000_000)).padStart(7, '0');
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }

  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
    }
    return xs;
  }
}

export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}=${raw}: expected a positive integer`);
  return n;
}

export function formatRate(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

/**
 * The machine's speed right now, as the time of a fixed piece of work (ms, median of 5): JSON of a sale-sized
 * batch parsed and written again, what HQ and the ledger spend their time on. This VM's speed drifts by a third
 * within the hour with no steal time to show for it; a rate read beside this figure can be compared across runs.
 */
export function cpuCalibrationMs(): number {
  const item = { code: '81000040000000000012', name: '阿莫西林胶囊', lot: '240301', pieces: 24, price: 2350, product: { rx: true, piecesPerPack: 24 } };
  const text = JSON.stringify({ events: Array.from({ length: 2000 }, (_, seq) => ({ seq, items: [item, item] })) });
  const times: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t = nowNs();
    for (let k = 0; k < 5; k++) JSON.stringify(JSON.parse(text));
    times.push((nowNs() - t) / 1e6);
  }
  return median(times);
}
