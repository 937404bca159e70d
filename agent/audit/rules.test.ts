// Each audit rule fires on data that crosses its threshold and stays silent just under it.
import { describe, expect, it } from 'vitest';
import { auditWarnings } from './index.js';
import { recordModified, stockGap } from './ledger-rules.js';
import { largeAmount, multiPersonBurst, personFrequent, youngFrequent } from './settlement-rules.js';
import type { AuditSale, ModifiedRecord, StockOutflow } from './types.js';

const CHINESE = /[\u4e00-\u9fff]/;
let nextId = 1;

/** A settled insurance sale at `hhmm` (Shanghai) on 2026-11-22. */
function sale(psnNo: string, hhmmss: string, over: Partial<AuditSale> = {}): AuditSale {
  const [h, m, s] = hhmmss.split(':').map(Number) as [number, number, number];
  const at = new Date(Date.UTC(2026, 10, 22, h - 8, m, s ?? 0)).toISOString();
  return {
    saleId: nextId++,
    settledAt: at,
    date: '2026-11-22',
    psnNo,
    personName: `参保人${psnNo}`,
    birthDate: '1970-01-01',
    insuredFen: 1000,
    setlId: null,
    ...over,
  };
}

describe('MULTI_PERSON_BURST: ≥ 5 different persons within 10 minutes', () => {
  it('fires for 5 persons within exactly 10 minutes, once for the burst, naming its sales', () => {
    const sales = [sale('A', '10:00:00'), sale('B', '10:02:00'), sale('C', '10:04:00'), sale('D', '10:06:00'), sale('E', '10:10:00'), sale('F', '10:10:00')];
    const w = multiPersonBurst(sales);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ rule: 'MULTI_PERSON_BURST', date: '2026-11-22', saleIds: sales.map((s) => s.saleId) });
    expect(w[0]!.detail).toMatch(/10:00:00至10:10:00.*6名不同参保人结算6笔/);
  });

  it('is silent for 4 persons in the window, for 5 spread over 10 minutes and 1 second, and for 5 sales of 4 persons', () => {
    expect(multiPersonBurst([sale('A', '10:00:00'), sale('B', '10:01:00'), sale('C', '10:02:00'), sale('D', '10:03:00')])).toEqual([]);
    expect(multiPersonBurst([sale('A', '10:00:00'), sale('B', '10:01:00'), sale('C', '10:02:00'), sale('D', '10:03:00'), sale('E', '10:10:01')])).toEqual([]);
    expect(multiPersonBurst([sale('A', '10:00:00'), sale('B', '10:01:00'), sale('C', '10:02:00'), sale('D', '10:03:00'), sale('A', '10:04:00')])).toEqual([]);
  });

  it('judges each Shanghai day on its own', () => {
    const late = ['A', 'B', 'C'].map((p, i) => sale(p, `23:5${5 + i}:00`));
    const early = ['D', 'E'].map((p) => sale(p, '00:01:00', { date: '2026-11-23', settledAt: '2026-11-22T16:01:00.000Z' }));
    expect(multiPersonBurst([...late, ...early])).toEqual([]);
  });
});

describe('PERSON_FREQUENT: one person ≥ 3 settlements in a day', () => {
  it('fires at 3, silent at 2 and for 3 spread over two days', () => {
    const three = [sale('P', '09:00:00'), sale('P', '12:00:00'), sale('P', '18:00:00')];
    expect(personFrequent(three)).toEqual([
      expect.objectContaining({ rule: 'PERSON_FREQUENT', psnNo: 'P', saleIds: three.map((s) => s.saleId), subject: '2026-11-22:P' }),
    ]);
    expect(personFrequent(three.slice(0, 2))).toEqual([]);
    expect(personFrequent([...three.slice(0, 2), sale('P', '09:00:00', { date: '2026-11-23' })])).toEqual([]);
  });
});

describe('YOUNG_FREQUENT: aged 18–30 with ≥ 2 settlements in a day', () => {
  it('fires at 2 for ages 18 and 30, silent at 1 settlement, at 17 and at 31 (age on the day of settlement)', () => {
    const young = (birthDate: string, n: number) => Array.from({ length: n }, (_, i) => sale(`Y${birthDate}`, `1${i}:00:00`, { birthDate }));
    expect(youngFrequent(young('2008-11-22', 2))).toEqual([expect.objectContaining({ rule: 'YOUNG_FREQUENT', psnNo: 'Y2008-11-22' })]);
    expect(youngFrequent(young('1996-11-23', 2))[0]!.detail).toMatch(/（29岁）/);
    expect(youngFrequent(young('1996-11-22', 2))).toEqual([expect.objectContaining({ rule: 'YOUNG_FREQUENT' })]); // 30 today
    expect(youngFrequent(young('2008-11-22', 1))).toEqual([]);
    expect(youngFrequent(young('2008-11-23', 2))).toEqual([]); // 17 until tomorrow
    expect(youngFrequent(young('1995-11-22', 2))).toEqual([]); // 31 today
    expect(youngFrequent(young('', 2).map((s) => ({ ...s, birthDate: null })))).toEqual([]);
  });
});

describe('LARGE_AMOUNT: one settlement ≥ 1000.00 yuan of insured goods', () => {
  it('fires at 100000 fen with the amount, silent at 99999', () => {
    const big = sale('L', '10:00:00', { insuredFen: 100_000 });
    expect(largeAmount([big, sale('M', '10:00:00', { insuredFen: 99_999 })])).toEqual([
      expect.objectContaining({ rule: 'LARGE_AMOUNT', amountFen: 100_000, psnNo: 'L', saleIds: [big.saleId], detail: expect.stringMatching(/1000\.00元/) }),
    ]);
  });
});

describe('STOCK_GAP: pieces out of stock vs pieces charged, gap over 5 %', () => {
  const flow = (charged: number, writtenOff: number): StockOutflow => ({ productId: 'P1', name: '布洛芬缓释胶囊', charged, writtenOff });
  it('fires above 5 % (6 of 100), silent at exactly 5 % and with no write-off', () => {
    expect(stockGap([flow(100, 6)])).toEqual([
      expect.objectContaining({ rule: 'STOCK_GAP', productId: 'P1', saleIds: [], detail: expect.stringMatching(/出库106件.*收费100件.*差异6\.0%/) }),
    ]);
    expect(stockGap([flow(100, 5)])).toEqual([]);
    expect(stockGap([flow(0, 0)])).toEqual([]);
    expect(stockGap([flow(1000, 51)])).toHaveLength(1);
    expect(stockGap([flow(1000, 50)])).toEqual([]);
  });
  it('fires when pieces left stock and nothing was charged at all', () => {
    expect(stockGap([flow(0, 24)])[0]!.detail).toMatch(/没有收费记录/);
  });
});

describe('RECORD_MODIFIED: a record changed more than 3 times', () => {
  const rec = (kind: ModifiedRecord['kind'], changes: number): ModifiedRecord => ({
    kind,
    subject: 'X1',
    label: 'X1',
    changes,
    saleIds: kind === 'sale' ? [7] : [],
  });
  it('fires at 4 changes for a lot, a sale and a product, silent at 3', () => {
    const w = recordModified([rec('lot', 4), rec('sale', 4), rec('product', 4), rec('lot', 3), rec('sale', 3), rec('product', 3)]);
    expect(w.map((x) => x.subject)).toEqual(['lot:X1', 'sale:X1', 'product:X1']);
    expect(w[1]!.saleIds).toEqual([7]);
    for (const x of w) expect(x.detail).toMatch(/4次（超过3次）/);
  });
});

describe('every warning', () => {
  it('has a Chinese title and detail, a subject and sale ids', () => {
    const people = ['A', 'B', 'C', 'D', 'E'].map((p) => sale(p, '10:00:00', { birthDate: '2000-01-01', insuredFen: 150_000 }));
    const all = auditWarnings({
      sales: [...people, sale('A', '11:00:00', { birthDate: '2000-01-01' }), sale('A', '12:00:00', { birthDate: '2000-01-01' })],
      outflows: [{ productId: 'P', name: '药', charged: 10, writtenOff: 10 }],
      modified: [{ kind: 'lot', subject: 'b', label: 'L1', changes: 5, saleIds: [] }],
    });
    expect(new Set(all.map((w) => w.rule))).toEqual(
      new Set(['MULTI_PERSON_BURST', 'PERSON_FREQUENT', 'YOUNG_FREQUENT', 'LARGE_AMOUNT', 'STOCK_GAP', 'RECORD_MODIFIED']),
    );
    for (const w of all) {
      expect(w.title).toMatch(CHINESE);
      expect(w.detail).toMatch(CHINESE);
      expect(w.subject).not.toBe('');
      expect(Array.isArray(w.saleIds)).toBe(true);
    }
  });
});
