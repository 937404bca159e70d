// receiving_ingest: fills one ledger file through ReceivingService.receive (the real receiving path)
// and measures the rate. The filled ledger is then shared by the lookup and size benchmarks.

import type { Product } from '../agent/catalog/product.js';
import { demoCode } from '../agent/demo/stock.js';
import type { Ledger } from '../agent/ledger/index.js';
import { ReceivingService } from '../agent/receiving/service.js';
import type { ReceiptInput, ReceiptLineInput } from '../agent/receiving/types.js';
import { installSplits, type Splits, type Timers } from './splits.js';
import { formatRate, note, nowNs, type Rng } from './util.js';

export const CODES_PER_RECEIPT = 5_000;
export const SAMPLE_KEYS = 100_000;
const RETRYABLE = new Set(['TRACE_CODE_ALREADY_IN_STOCK', 'TRACE_CODE_DUPLICATE_IN_RECEIPT']);

/** About 50 coded drugs with distinct 7-digit drug ids (tracePrefix) starting with 8. */
export function benchProducts(count = 50): Product[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `B${String(i + 1).padStart(4, '0')}`,
    name: `基准药品${i + 1}号片`,
    spec: `${5 * (1 + (i % 4))}mg*${10 + (i % 3) * 7}片`,
    manufacturer: `基准制药有限公司${1 + (i % 9)}`,
    approvalNo: `国药准字H2${String(1000000 + i).padStart(7, '0')}`,
    nhsaCode: `XBENCH${String(i).padStart(6, '0')}A001010100001`,
    tracePrefix: String(8_200_000 + i * 137),
    rx: i % 3 !== 0,
    insured: i % 5 !== 0,
    category: 'drug',
    piecesPerPack: 10 + (i % 3) * 7,
    pricePerPack: 500 + i * 37,
  }));
}

export interface FillResult {
  codes: number;
  receipts: number;
  /** Codes per second over the whole fill (time inside receive() only). */
  rate: number;
  /** Codes per second over the receipts that started in the last 10 % of the fill. */
  tailRate: number;
  wallSeconds: number;
  receiptMsP50: number;
  receiptMsP99: number;
  retries: number;
  splits: Splits | undefined;
  /** The same split over the last 10 % of the fill. */
  tailSplits: Splits | undefined;
  /** Up to SAMPLE_KEYS canonical keys, a uniform sample (reservoir) of all codes in the ledger. */
  sample: string[];
}

function newReceipt(rng: Rng, products: readonly Product[], n: number, no: number, year: number): ReceiptInput {
  const lineCount = Math.min(n, 3 + rng.int(6));
  const picked = rng.shuffle([...products]).slice(0, lineCount);
  const lines: ReceiptLineInput[] = picked.map((p, i) => {
    // Even split, remainder on the first line: several lines of different products.
    const packs = Math.floor(n / lineCount) + (i === 0 ? n % lineCount : 0);
    const codes = Array.from({ length: packs }, () => `${p.tracePrefix as string}${rng.serial13()}`);
    return {
      productId: p.id,
      lot: `L${no}-${i + 1}`,
      mfgDate: `${year - 1}-06-01`,
      expiry: `${year + 3}-05-31`,
      packs,
      pricePerPack: Math.floor((p.pricePerPack * 7) / 10),
      codes,
    };
  });
  return {
    supplier: `基准医药供应商${1 + (no % 7)}`,
    invoiceNo: `INV${String(no).padStart(12, '0')}`,
    deliveryNoteNo: `DN-${no}`,
    procurementOrderNo: `CG${no}`,
    lines,
  };
}

/** Replaces the codes a (rare) random collision made refusable, so the receipt goes through. */
function reroll(input: ReceiptInput, bad: ReadonlySet<string>, rng: Rng): void {
  for (const line of input.lines) {
    line.codes = line.codes.map((c) => (bad.has(c) ? demoCode(c.slice(0, 7), Number(rng.serial13())) : c));
  }
}

export function fillLedger(ledger: Ledger, total: number, rng: Rng, opts: { splits: boolean }): FillResult {
  const products = benchProducts();
  const imported = ledger.catalog.importProducts(products, { at: new Date(), actor: 'bench' });
  if (imported.problems.length > 0) throw new Error(`catalogue import refused: ${imported.problems.join('; ')}`);
  const service = new ReceivingService(ledger, {});
  const splits = opts.splits ? installSplits(ledger) : undefined;
  const year = new Date().getUTCFullYear();

  const sample: string[] = [];
  const receiptNs: number[] = [];
  const tailFrom = Math.floor(total * 0.9);
  let done = 0;
  let ns = 0;
  let tailNs = 0;
  let tailCodes = 0;
  let retries = 0;
  let tailMark: Timers | undefined;
  let seen = 0;
  let nextReport = 0.05;
  let windowStart = { ns: 0, done: 0 };
  const wall0 = nowNs();

  while (done < total) {
    const n = Math.min(CODES_PER_RECEIPT, total - done);
    const input = newReceipt(rng, products, n, receiptNs.length + 1, year);
    if (done >= tailFrom && tailMark === undefined) tailMark = splits?.snapshot();
    let t = 0;
    for (;;) {
      const t0 = nowNs();
      const r = service.receive(input, 'bench');
      t += nowNs() - t0;
      if (r.ok) break;
      const bad = new Set(r.problems.filter((p) => RETRYABLE.has(p.code)).map((p) => p.traceCode ?? ''));
      if (bad.size === 0 || bad.size !== r.problems.length) throw new Error(`receipt refused: ${JSON.stringify(r.problems.slice(0, 5))}`);
      retries++;
      reroll(input, bad, rng);
    }
    ns += t;
    receiptNs.push(t);
    if (done >= tailFrom) {
      tailNs += t;
      tailCodes += n;
    }
    for (const line of input.lines) {
      for (const code of line.codes) {
        // Reservoir sampling: every code has the same chance to be a lookup key.
        if (seen < SAMPLE_KEYS) sample.push(code);
        else {
          const j = rng.int(seen + 1);
          if (j < SAMPLE_KEYS) sample[j] = code;
        }
        seen++;
      }
    }
    done += n;
    if (done / total >= nextReport || done === total) {
      const windowRate = (done - windowStart.done) / ((ns - windowStart.ns) / 1e9);
      note(
        `fill ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} codes: ${formatRate(done / (ns / 1e9))} codes/s overall, ${formatRate(windowRate)} codes/s last window`,
      );
      windowStart = { ns, done };
      nextReport += 0.05;
    }
  }
  const sorted = Float64Array.from(receiptNs).sort();
  const at = (q: number) => (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0) / 1e6;
  return {
    codes: done,
    receipts: receiptNs.length,
    rate: done / (ns / 1e9),
    tailRate: tailCodes / (tailNs / 1e9),
    wallSeconds: (nowNs() - wall0) / 1e9,
    receiptMsP50: at(0.5),
    receiptMsP99: at(0.99),
    retries,
    splits: splits?.result(ns),
    tailSplits: tailMark ? splits?.result(tailNs, tailMark) : undefined,
    sample,
  };
}
