// The checks say when figures do not agree, what the gap is and what to do (in Chinese).
import { describe, expect, it } from 'vitest';
import { purchasesCheck, salesCheck, stockCheck, uploadsCheck } from './checks.js';
import type { LotCount, Purchases, SaleRow, Sales, StockRow } from './types.js';

const purchases = (over: Partial<Purchases>): Purchases => ({
  receipts: 2,
  pieces: 10,
  amountFen: 1000,
  missingInvoice: 0,
  missingDeliveryNote: 0,
  missingProcurement: 0,
  upload: { sent: 2, pending: 0, failed: 0 },
  openingImports: { receipts: 0, pieces: 0 },
  rows: [],
  ...over,
});
const row = (over: Partial<SaleRow>): SaleRow => ({
  saleId: 1,
  settledAt: '2026-11-22T02:00:00.000Z',
  payment: 'insurance',
  status: 'settled',
  pieces: 1,
  totalFen: 100,
  fundFen: 50,
  accountFen: 30,
  cashFen: 20,
  settlementId: 'S1',
  upload: 'sent',
  ...over,
});
const sales = (rows: SaleRow[], settling = 0, reversing: number[] = []): Sales => ({
  settled: rows.length,
  pieces: 0,
  totalFen: 0,
  fundFen: 0,
  accountFen: 0,
  cashFen: 0,
  insurance: { count: 0, totalFen: 0 },
  selfPay: { count: 0, totalFen: 0 },
  reversed: { count: 0, totalFen: 0 },
  returns: { count: 0, pieces: 0, totalFen: 0 },
  settling,
  reversing,
  upload: { sent: 0, pending: 0, failed: 0 },
  rows,
});
const stock = (over: Partial<StockRow>): StockRow => ({
  productId: 'P',
  name: '布洛芬',
  opening: 0,
  received: 10,
  sold: 2,
  returned: 0,
  adjusted: 0,
  transferred: 0,
  transferredIn: 0,
  transferredOut: 0,
  closing: 8,
  book: 8,
  counted: null,
  difference: null,
  counts: [],
  ...over,
});

describe('reconciliation checks', () => {
  it('票账相符 fails on a receipt without invoice or delivery note and says to add them', () => {
    expect(purchasesCheck(purchases({})).ok).toBe(true);
    const c = purchasesCheck(purchases({ missingInvoice: 1, missingDeliveryNote: 2 }));
    expect(c).toMatchObject({ ok: false, title: '票账相符' });
    expect(c.message).toMatch(/1 张入库单缺少增值税发票号，2 张入库单缺少随货同行单号：请.*补录/);
  });

  it('sales fail when fund + account + cash ≠ total, an insurance sale has no settlement id, or a settlement is unconfirmed', () => {
    expect(salesCheck(sales([row({})])).ok).toBe(true);
    expect(salesCheck(sales([row({ saleId: 7, cashFen: 21 })])).message).toMatch(/销售单 7 的统筹\+个人账户\+现金不等于总额/);
    expect(salesCheck(sales([row({ saleId: 8, settlementId: null })])).message).toMatch(/医保销售单 8 没有医保结算号/);
    expect(salesCheck(sales([row({ payment: 'self_pay', settlementId: null })])).ok).toBe(true);
    expect(salesCheck(sales([], 1))).toMatchObject({ ok: false, message: expect.stringMatching(/1 笔医保结算尚未得到平台确认/) });
    expect(salesCheck(sales([row({})], 0, [12]))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/销售单 12 的医保退费尚未得到平台确认（退费处理中/),
    });
  });

  it('uploads fail while records wait or were refused, and say where to look', () => {
    expect(uploadsCheck({ pending: 0, failed: 0 }).ok).toBe(true);
    expect(uploadsCheck({ pending: 0, failed: 2 })).toMatchObject({ ok: false, message: expect.stringMatching(/2 条被医保平台拒收.*平台同步/) });
  });

  it('账实相符 fails on negative stock or tables that differ from the record', () => {
    expect(stockCheck([stock({})], true).ok).toBe(true);
    expect(stockCheck([stock({ closing: -1, book: -1 })], true).message).toMatch(/布洛芬 的期末库存为负数/);
    expect(stockCheck([stock({ book: 9 })], true)).toMatchObject({ ok: false, message: expect.stringMatching(/按记录 8 件，库存表 9 件/) });
  });
  it('账实相符 fails while a counted difference is not matched by adjustments after the count, naming lot and figures', () => {
    const count = (over: Partial<LotCount>): LotCount => ({
      stocktakeId: 1,
      at: '2026-11-22T02:05:00.000Z',
      lotId: 3,
      lot: 'M1',
      productId: 'P',
      book: 144,
      counted: 96,
      adjustedSince: 0,
      ...over,
    });
    expect(stockCheck([stock({})], true).message).toMatch(/本期没有盘点记录/);
    const short = stockCheck([stock({ counts: [count({})] })], true);
    expect(short).toMatchObject({ ok: false, title: '账实相符' });
    expect(short.message).toMatch(
      /布洛芬 批号 M1（2026-11-22 10:05:00 盘点：实盘 96 件，账面 144 件，差异 -48 件，盘点后已调整 0 件）.*请在「盘点」为差异填写原因并过账/,
    );
    // Half of it written off is not enough; all of it is; more than the difference is not either.
    expect(stockCheck([stock({ counts: [count({ adjustedSince: -24 })] })], true).ok).toBe(false);
    expect(stockCheck([stock({ counts: [count({ adjustedSince: -72 })] })], true).ok).toBe(false);
    const explained = stockCheck([stock({ counts: [count({ adjustedSince: -48 }), count({ lotId: 4, lot: 'M2', book: 10, counted: 10 })] })], true);
    expect(explained).toMatchObject({
      ok: true,
      message: expect.stringMatching(/本期盘点 2 个批次：1 个实盘与账面相符，1 个有差异且盘点后已通过库存调整登记原因/),
    });
    // Lots are checked one by one: a surplus in one lot does not hide a shortfall in another.
    expect(
      stockCheck([stock({ counts: [count({ counted: 134, adjustedSince: 0 }), count({ lotId: 4, lot: 'M2', book: 10, counted: 20 })] })], true).message,
    ).toMatch(/批号 M1.*差异 -10 件.*批号 M2.*差异 \+10 件/);
  });
});
