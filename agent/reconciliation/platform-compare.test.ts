// The pure comparison behind 平台核对: keyed by fixmedins_bchno within each read-back (3512 receipts, 3513 sales
// and refunds); every difference names its field.
import { describe, expect, it } from 'vitest';
import { comparePlatformDay, type LedgerRecord } from './platform-compare.js';
import type { HeldRecord } from './platform-port.js';
import { wireAmountFen } from './platform-readback.js';

const held = (bchno: string, over: Partial<HeldRecord> = {}): HeldRecord => ({
  bchno,
  code: 'XA10',
  name: '二甲双胍片',
  pieces: 24,
  amountFen: 1100,
  codes: ['81234567000000000001'],
  ...over,
});
const mine = (bchno: string, kind: LedgerRecord['kind'], over: Partial<LedgerRecord> = {}): LedgerRecord => ({
  ...held(bchno),
  pieces: 24,
  kind,
  outboxId: 1,
  outboxStatus: 'sent',
  productId: 'MET',
  doc: '销售单 1',
  ...over,
});
const day = (receipts: HeldRecord[], sales: HeldRecord[]) => ({ date: '2026-11-22', receipts, sales });

describe('comparePlatformDay', () => {
  it('everything matched', () => {
    const r = comparePlatformDay(
      [mine('A-S1-1', 'sale'), mine('A-7-1', 'receipt'), mine('A-R1-1', 'refund')],
      day([held('A-7-1')], [held('A-S1-1'), held('A-R1-1')]),
    );
    expect(r).toEqual({ missing: [], extra: [], differing: [], matched: 3 });
  });

  it('missing: in the ledger, not at the platform (a receipt is looked for in 3512 only)', () => {
    const r = comparePlatformDay([mine('A-7-1', 'receipt'), mine('A-S1-1', 'sale')], day([], [held('A-7-1'), held('A-S1-1')]));
    expect(r.missing.map((m) => m.bchno)).toEqual(['A-7-1']);
    expect(r.extra).toEqual([{ ...held('A-7-1'), query: '3513' }]);
    expect(r.matched).toBe(1);
  });

  it('extra: at the platform, not in the ledger', () => {
    const r = comparePlatformDay([], day([held('X-1')], [held('X-2')]));
    expect(r.extra.map((e) => [e.query, e.bchno])).toEqual([
      ['3512', 'X-1'],
      ['3513', 'X-2'],
    ]);
  });

  it('differing: each field named, with both values', () => {
    const r = comparePlatformDay(
      [mine('A-S1-1', 'sale', { codes: ['81234567000000000002', '81234567000000000001'] })],
      day([], [held('A-S1-1', { pieces: 12, amountFen: 550, code: 'XC08', codes: ['81234567000000000001'] })]),
    );
    expect(r.differing).toHaveLength(1);
    expect(r.differing[0]!.differences).toEqual([
      { field: 'pieces', ledger: '24', platform: '12' },
      { field: 'amount', ledger: '1100', platform: '550' },
      { field: 'code', ledger: 'XA10', platform: 'XC08' },
      { field: 'codes', ledger: '81234567000000000001,81234567000000000002', platform: '81234567000000000001' },
    ]);
  });

  it('an answer without quantity or price (what 3512/3513 carry) compares drug code and trace codes only', () => {
    const bare = { pieces: null, amountFen: null };
    const r = comparePlatformDay(
      [mine('A-S1-1', 'sale'), mine('A-S2-1', 'sale')],
      day([], [held('A-S1-1', bare), held('A-S2-1', { ...bare, codes: ['81234567000000000009'] })]),
    );
    expect(r.matched).toBe(1);
    expect(r.differing.map((d) => d.differences)).toEqual([[{ field: 'codes', ledger: '81234567000000000001', platform: '81234567000000000009' }]]);
  });

  it('trace codes compare as a set; a platform answer without a price says nothing about the amount', () => {
    const r = comparePlatformDay([mine('A-7-1', 'receipt', { codes: ['2', '1'] })], day([held('A-7-1', { codes: ['1', '2'], amountFen: null })], []));
    expect(r.matched).toBe(1);
  });
});

describe('wireAmountFen (the ledger side of the amount comparison)', () => {
  it('is the unit price as uploaded (6 decimals) times the count, so rounding never shows as a difference', () => {
    expect(wireAmountFen(1980, 20, 20)).toBe(1980);
    expect(wireAmountFen(1100, 24, 24)).toBe(1100);
    // ¥10.00 for 3 pieces: 3.333333 yuan each; 30 000 pieces at that price are ¥99,999.99 (not ¥100,000.00).
    expect(wireAmountFen(1000, 3, 30_000)).toBe(9_999_999);
  });
});
