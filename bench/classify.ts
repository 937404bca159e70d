// classify_throughput: classifyScan over a realistic mix of what a counter scanner sends.

import { gs1CheckDigit } from '../agent/tracecode/checkdigit.js';
import { type ClassifyOptions, classifyScan, compileManufacturerPatterns, GS } from '../agent/tracecode/index.js';
import { emit, median, note, nowNs, type Rng } from './util.js';

const POOL = 10_000;
const PER_RUN = 1_000_000;
const RUNS = 5;

/** Share of each input family in the pool (sums to 1). */
const MIX = {
  nmpa20: 0.45, // 码上放心 20 digits, as most Chinese drugs carry
  nmpa20_symbology: 0.05, // same, with the scanner's AIM prefix switched on
  gs1_raw: 0.15, // DataMatrix: ]d2, (01)(17)(10) GS (21)
  gs1_fnc1: 0.03, // raw with leading GS (FNC1) and no symbology id
  gs1_paren: 0.05, // typed or HRI: (01)...(21)...
  ean13: 0.1, // product barcode scanned by mistake
  garbage: 0.17, // partial/double reads, bad check digits, junk, control characters
} as const;

function digits(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(rng.int(10));
  return s;
}

function gtin13(rng: Rng): string {
  const base = `690${digits(rng, 9)}`;
  return `${base}${gs1CheckDigit(base) ?? 0}`;
}

function yymmdd(rng: Rng): string {
  return `${27 + rng.int(5)}${String(1 + rng.int(12)).padStart(2, '0')}${String(1 + rng.int(28)).padStart(2, '0')}`;
}

function lot(rng: Rng): string {
  return `${String.fromCharCode(65 + rng.int(26))}${digits(rng, 5 + rng.int(4))}`;
}

function nmpa20(rng: Rng): string {
  return `8${digits(rng, 6)}${rng.serial13()}`;
}

function garbage(rng: Rng): string {
  switch (rng.int(9)) {
    case 0:
      return nmpa20(rng).slice(0, 12 + rng.int(7)); // partial read
    case 1:
      return nmpa20(rng) + nmpa20(rng); // double read
    case 2: {
      const g = gtin13(rng);
      return `${g.slice(0, 12)}${(Number(g[12]) + 1) % 10}`; // EAN-13, bad check digit
    }
    case 3:
      return `8${digits(rng, 21)}`; // 22 digits: matches the configured manufacturer pattern
    case 4:
      return `]d201${gtin13(rng).slice(0, 12)}0`.padEnd(30, 'X'); // GS1 with bad GTIN / malformed
    case 5:
      return `  ${nmpa20(rng)}\r\n`; // trailing CR LF from keyboard-wedge scanners (valid after trim)
    case 6:
      return `${nmpa20(rng).slice(0, 10)}\u0007${digits(rng, 9)}`; // control character
    case 7:
      return '追溯码' + digits(rng, 8); // IME left on
    default:
      return `HTTPS://MSFX.EXAMPLE.CN/${digits(rng, 20)}`; // a URL QR code
  }
}

function makeInput(kind: keyof typeof MIX, rng: Rng): string {
  switch (kind) {
    case 'nmpa20':
      return nmpa20(rng);
    case 'nmpa20_symbology':
      return `]d2${nmpa20(rng)}`;
    case 'gs1_raw':
      return `]d201${'0' + gtin13(rng)}17${yymmdd(rng)}10${lot(rng)}${GS}21${digits(rng, 12)}`;
    case 'gs1_fnc1':
      return `${GS}01${'0' + gtin13(rng)}21${digits(rng, 10)}${GS}10${lot(rng)}`;
    case 'gs1_paren':
      return `(01)${'0' + gtin13(rng)}(17)${yymmdd(rng)}(10)${lot(rng)}(21)${digits(rng, 12)}`;
    case 'ean13':
      return gtin13(rng);
    default:
      return garbage(rng);
  }
}

export function buildPool(rng: Rng): string[] {
  const pool: string[] = [];
  for (const [kind, share] of Object.entries(MIX) as [keyof typeof MIX, number][]) {
    const n = Math.round(share * POOL);
    for (let i = 0; i < n; i++) pool.push(makeInput(kind, rng));
  }
  return rng.shuffle(pool);
}

export function benchClassify(rng: Rng): void {
  const pool = buildPool(rng);
  const opts: ClassifyOptions = { manufacturerPatterns: compileManufacturerPatterns([{ name: 'example-22-digit', pattern: '^8[0-9]{21}$' }]) };

  // What the pool classifies as: checks that the generators produce what they claim.
  const kinds: Record<string, number> = {};
  for (const s of pool) {
    const k = classifyScan(s, opts).kind;
    kinds[k] = (kinds[k] ?? 0) + 1;
  }
  const classifiedAs = Object.fromEntries(Object.entries(kinds).map(([k, v]) => [k, v / pool.length]));
  note(`classify: pool of ${pool.length} inputs classifies as ${JSON.stringify(classifiedAs)}`);

  let sink = 0;
  const run = (): number => {
    const t0 = nowNs();
    for (let i = 0; i < PER_RUN; i++) {
      const c = classifyScan(pool[i % POOL] as string, opts);
      sink += c.kind === 'invalid' ? 1 : c.key.length;
    }
    return PER_RUN / ((nowNs() - t0) / 1e9);
  };
  run(); // warm-up: lets V8 optimise before timing
  const rates: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    rates.push(run());
    note(`classify run ${r + 1}/${RUNS}: ${Math.round(rates[r] as number).toLocaleString('en-US')} codes/s`);
  }
  if (sink === 0) note('(sink)');
  const med = median(rates);
  emit('classify_throughput', med, 'codes/s', {
    n: PER_RUN * RUNS,
    runs: RUNS,
    min: Math.min(...rates),
    max: Math.max(...rates),
    ns_per_code: 1e9 / med,
    mix: MIX,
    classified_as: classifiedAs,
  });
}
