// The CSV is quoted by csv-stringify and read back by csv-parse cell for cell; text typed by people never
// becomes an Excel formula.
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { reconciliationCsv } from './csv.js';
import type { Reconciliation } from './types.js';

const rec: Reconciliation = {
  from: '2026-11-01',
  to: '2026-11-30',
  purchases: {
    receipts: 1,
    pieces: 24,
    amountFen: 123456,
    missingInvoice: 0,
    missingDeliveryNote: 0,
    missingProcurement: 0,
    upload: { sent: 1, pending: 0, failed: 0 },
    openingImports: { receipts: 0, pieces: 0 },
    rows: [
      {
        receiptId: 9,
        at: '2026-11-01T16:30:00.000Z',
        supplier: '=HYPERLINK("x"),"华润"\n河北',
        invoiceNo: 'INV,1',
        deliveryNoteNo: 'DN"2',
        procurementOrderNo: null,
        filingRef: '+BA1',
        lines: 1,
        pieces: 24,
        amountFen: 123456,
        upload: 'pending',
      },
    ],
  },
  sales: {
    settled: 0,
    pieces: 0,
    totalFen: 0,
    fundFen: 0,
    accountFen: 0,
    cashFen: 0,
    insurance: { count: 0, totalFen: 0 },
    selfPay: { count: 0, totalFen: 0 },
    reversed: { count: 0, totalFen: 0 },
    returns: { count: 0, pieces: 0, totalFen: 0 },
    settling: 0,
    reversing: [],
    upload: { sent: 0, pending: 0, failed: 0 },
    rows: [],
  },
  stock: { rows: [], totals: { opening: 0, received: 0, sold: 0, returned: 0, adjusted: -5, transferred: 0, closing: 0, book: 0 } },
  uploads: { pending: 1, failed: 0 },
  checks: [{ key: 'uploads', ok: false, title: '进销存上传完整', message: '1 条待上传，"稍后"自动上传' }],
};

describe('reconciliation CSV', () => {
  const text = reconciliationCsv(rec);
  const rows = parse(text, { bom: true, relax_column_count: true }) as string[][];

  it('starts with a UTF-8 BOM and uses CRLF line ends (Excel)', () => {
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(text).toContain('\r\n');
  });

  it('reads back cell for cell: commas, quotes and line breaks survive; Shanghai time; yuan with two decimals', () => {
    const purchase = rows[rows.findIndex((r) => r[0] === '一、进货') + 2]!;
    expect(purchase).toEqual(['9', '2026-11-02 00:30:00', '\'=HYPERLINK("x"),"华润"\n河北', 'INV,1', 'DN"2', '', "'+BA1", '1', '24', '1234.56', '待上传']);
    expect(rows.find((r) => r[0] === '进销存上传完整')).toEqual(['进销存上传完整', '不符', '1 条待上传，"稍后"自动上传']);
  });

  it('keeps negative numbers as numbers (only text is guarded against formulas)', () => {
    expect(rows.find((r) => r[0] === '合计' && r[6] === '-5')).toBeDefined();
  });
});
