import { describe, expect, it } from 'vitest';
import { AMOX, code, gs1, HERB, IBU, receipt } from '../../test/fixtures.js';
import { classifyScan } from '../tracecode/index.js';
import type { KnownCodeState, ReceiptInput } from './types.js';
import { validateReceipt } from './validate.js';

const products = new Map([AMOX, IBU, HERB].map((p) => [p.id, p]));

function check(input: ReceiptInput, known: Record<string, KnownCodeState> = {}, today = '2026-11-22') {
  const classified = input.lines.map((l) => l.codes.map((c) => classifyScan(c)));
  return validateReceipt(input, { products, classified, known: new Map(Object.entries(known)), today });
}

function problemCodes(input: ReceiptInput, known: Record<string, KnownCodeState> = {}) {
  const v = check(input, known);
  return v.ok ? [] : v.problems.map((p) => p.code);
}

describe('validateReceipt', () => {
  it('accepts a correct receipt and counts pieces per box', () => {
    const v = check(receipt());
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.lines[0]).toMatchObject({ lineNo: 1, pieces: 48, codes: [code('8100003', 1), code('8100003', 2)] });
    expect(v.lines[1]).toMatchObject({ lineNo: 2, pieces: 5, codes: [] });
  });

  it('refuses when a non-exempt line has fewer codes than packs, and says how many', () => {
    const r = receipt();
    r.lines[0]!.packs = 3;
    const v = check(r);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.problems).toEqual([expect.objectContaining({ code: 'CODE_COUNT_MISMATCH', line: 1 })]);
    expect(v.problems[0]!.message).toContain('到货 3 盒，但扫描了 2 个追溯码');
  });

  it('does not ask for codes on an exempt product (中药饮片)', () => {
    expect(problemCodes(receipt())).toEqual([]);
  });

  it('refuses malformed codes, product barcodes, codes of another product and duplicates, listing every one', () => {
    const r = receipt();
    r.lines[0]!.packs = 4;
    r.lines[0]!.codes = ['12345', '6901234567892', code('8100004', 9), code('8100003', 1)];
    r.lines.push({ productId: 'IBU', lot: 'B1', mfgDate: '2026-01-01', expiry: '2028-01-01', packs: 1, pricePerPack: 1, codes: [code('8100003', 1)] });
    expect(problemCodes(r)).toEqual(['TRACE_CODE_INVALID', 'TRACE_CODE_NOT_A_BOX', 'TRACE_CODE_PRODUCT_MISMATCH', 'TRACE_CODE_PRODUCT_MISMATCH']);
    // the same code on another line of the right product is a duplicate
    r.lines[2]!.productId = 'AMOX';
    r.lines[2]!.lot = 'A2401';
    expect(problemCodes(r)).toContain('TRACE_CODE_DUPLICATE_IN_RECEIPT');
  });

  it('refuses codes already in stock or already sold', () => {
    const known = { [code('8100003', 1)]: 'in_stock', [code('8100003', 2)]: 'sold' } as const;
    expect(problemCodes(receipt(), known)).toEqual(['TRACE_CODE_ALREADY_IN_STOCK', 'TRACE_CODE_ALREADY_SOLD']);
  });

  it('checks a GS1 code against the product GTIN and the line lot and expiry', () => {
    const r = receipt();
    r.lines[0]!.codes = [gs1('06901234567892', '280109', 'A2401', 'S1'), gs1('06901234567892', '280109', 'A2401', 'S2')];
    expect(problemCodes(r)).toEqual([]);
    r.lines[0]!.codes = [gs1('06901234567892', '280109', 'WRONG', 'S1'), gs1('06901234567892', '290101', 'A2401', 'S2')];
    expect(problemCodes(r)).toEqual(['GS1_LOT_MISMATCH', 'GS1_EXPIRY_MISMATCH']);
    r.lines[0]!.codes = [gs1('04006381333931', '280109', 'A2401', 'S1'), gs1('06901234567892', '280109', 'A2401', 'S2')];
    expect(problemCodes(r)).toEqual(['TRACE_CODE_PRODUCT_MISMATCH']);
  });

  it('treats a GS1 code of the same product in raw and parenthesised form as one box', () => {
    const r = receipt();
    r.lines[0]!.codes = [gs1('06901234567892', '280109', 'A2401', 'S1'), '(01)06901234567892(17)280109(10)A2401(21)S1'];
    expect(problemCodes(r)).toEqual(['TRACE_CODE_DUPLICATE_IN_RECEIPT']);
  });

  it('refuses an expiry not after production, an impossible date and an already expired lot', () => {
    const r = receipt();
    r.lines[0]!.expiry = '2026-01-10';
    expect(problemCodes(r)).toEqual(['EXPIRY_NOT_AFTER_PRODUCTION', 'LOT_EXPIRED']);
    r.lines[0]!.expiry = '2027-02-30';
    expect(problemCodes(r)).toEqual(['DATE_INVALID']);
  });

  it('refuses a receipt without invoice or delivery note number, or with an unknown product', () => {
    const r = receipt({ invoiceNo: ' ', deliveryNoteNo: '' });
    r.lines[1]!.productId = 'NOPE';
    const v = check(r);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.problems.map((p) => p.code)).toEqual(['INVOICE_MISSING', 'DELIVERY_NOTE_MISSING', 'PRODUCT_UNKNOWN']);
    expect(v.problems[0]!.message).toMatch(/发票/);
  });

  it('refuses a 20-digit code when the catalogue has no drug id for the product', () => {
    const noPrefix = new Map(products);
    noPrefix.set('AMOX', { ...AMOX, tracePrefix: undefined });
    const r = receipt();
    const classified = r.lines.map((l) => l.codes.map((c) => classifyScan(c)));
    const v = validateReceipt(r, { products: noPrefix, classified, known: new Map(), today: '2026-11-22' });
    expect(v.ok ? [] : v.problems.map((p) => p.code)).toEqual(['PRODUCT_TRACE_ID_MISSING', 'PRODUCT_TRACE_ID_MISSING']);
  });
});
