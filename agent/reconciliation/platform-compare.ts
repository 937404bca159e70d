// Pure comparison of the ledger's records of a day with what the platform holds (platform-port.ts):
// missing (in the ledger, not at the platform), extra (at the platform, not in the ledger), differing
// (same fixmedins_bchno, a different quantity, amount, drug code or trace codes — the field is named).
import type { HeldRecord, PlatformDay } from './platform-port.js';

/** 入库 (3503), 销售 (3505), 退货 (3506). */
export type RecordKind = 'receipt' | 'sale' | 'refund';

/** One record the ledger reported (or should have) for the day: built from its outbox row and event. */
export interface LedgerRecord extends HeldRecord {
  pieces: number;
  kind: RecordKind;
  /** The outbox row that uploads it (the re-send goes through it). */
  outboxId: number;
  outboxStatus: 'pending' | 'sent' | 'failed';
  productId: string;
  /** The sale or receipt it belongs to, as the page names it (销售单 12 / 入库单 发票 INV-1). */
  doc: string;
}

export type DiffField = 'pieces' | 'amount' | 'code' | 'codes';

export interface Difference {
  field: DiffField;
  ledger: string;
  platform: string;
}

export interface Comparison {
  missing: LedgerRecord[];
  /** Records at the platform the ledger does not have; `query` says which read-back listed it. */
  extra: (HeldRecord & { query: '3512' | '3513' })[];
  differing: { ledger: LedgerRecord; platform: HeldRecord; differences: Difference[] }[];
  /** Records that agree. */
  matched: number;
}

const QUERY_OF: Readonly<Record<RecordKind, '3512' | '3513'>> = { receipt: '3512', sale: '3513', refund: '3513' };

function differences(l: LedgerRecord, p: HeldRecord): Difference[] {
  const out: Difference[] = [];
  // A platform answer without a quantity or a price (3512/3513 carry neither) says nothing about them.
  if (p.pieces !== null && l.pieces !== p.pieces) out.push({ field: 'pieces', ledger: String(l.pieces), platform: String(p.pieces) });
  if (p.amountFen !== null && l.amountFen !== null && l.amountFen !== p.amountFen)
    out.push({ field: 'amount', ledger: String(l.amountFen), platform: String(p.amountFen) });
  if (l.code !== p.code) out.push({ field: 'code', ledger: l.code, platform: p.code });
  const lc = [...l.codes].sort().join(',');
  const pc = [...p.codes].sort().join(',');
  if (lc !== pc) out.push({ field: 'codes', ledger: lc, platform: pc });
  return out;
}

/** Keyed by fixmedins_bchno within each query (3512 receipts, 3513 sales and refunds). */
export function comparePlatformDay(ledger: readonly LedgerRecord[], platform: PlatformDay): Comparison {
  const held = new Map<string, HeldRecord & { query: '3512' | '3513' }>();
  for (const r of platform.receipts) held.set(`3512|${r.bchno}`, { ...r, query: '3512' });
  for (const r of platform.sales) held.set(`3513|${r.bchno}`, { ...r, query: '3513' });
  const result: Comparison = { missing: [], extra: [], differing: [], matched: 0 };
  for (const l of ledger) {
    const key = `${QUERY_OF[l.kind]}|${l.bchno}`;
    const p = held.get(key);
    if (!p) {
      result.missing.push(l);
      continue;
    }
    held.delete(key);
    const diffs = differences(l, p);
    if (diffs.length > 0) result.differing.push({ ledger: l, platform: p, differences: diffs });
    else result.matched += 1;
  }
  result.extra = [...held.values()];
  return result;
}
