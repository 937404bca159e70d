import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../agent/ledger/index.js';
import { type MapContext, MappingError, mapOutboxRecord } from './index.js';
import { piecePriceYuan } from './units.js';

const line = {
  lineNo: 1,
  bchno: 'ab12cd34-7-1',
  productId: 'AMOX',
  product: { nhsaCode: 'XJ01CAA040E001010100432', name: '阿莫西林胶囊', spec: '0.25g*24粒', manufacturer: '某药业', approvalNo: '国药准字H1', rx: true },
  lot: 'A2401',
  mfgDate: '2026-01-10',
  expiry: '2028-01-09',
  packs: 2,
  piecesPerPack: 24,
  pieces: 48,
  pricePerPack: 1100,
  codes: ['81000030000000000001', '0106901234567892213X'],
};

const receiptEvent: LedgerEvent = {
  seq: 9,
  at: '2026-11-22T02:03:04.000Z', // 10:03:04 in Shanghai
  type: 'receipt.recorded',
  actor: 'mgr',
  payload: {
    receiptId: 7,
    supplier: '华润河北医药有限公司',
    invoiceNo: 'INV-1',
    deliveryNoteNo: 'DN-1',
    procurementOrderNo: 'CG1',
    filingRef: null,
    lines: [line],
  },
};

const ctx: MapContext = { defaultOperatorName: '收银员' };

describe('ledger event -> platform record', () => {
  it('maps a received line to 3503 purcinfo field by field', () => {
    const m = mapOutboxRecord(receiptEvent, '3503', 'ab12cd34-7-1', ctx);
    expect(m.infno).toBe('3503');
    expect(m.input).toEqual({
      purcinfo: {
        fixmedins_bchno: 'ab12cd34-7-1',
        med_list_codg: 'XJ01CAA040E001010100432',
        fixmedins_hilist_id: 'AMOX',
        fixmedins_hilist_name: '阿莫西林胶囊',
        rx_flag: '1',
        manu_lotnum: 'A2401',
        manu_date: '2026-01-10',
        expy_end: '2028-01-09',
        spler_name: '华润河北医药有限公司',
        purc_ordr_no: 'CG1',
        purc_invo_no: 'INV-1',
        dynt_no: 'DN-1',
        prdr_name: '某药业', // issue 13: the national list's name (prodentp_name is the profile prodentp-name)
        aprvno: '国药准字H1',
        purc_retn_cnt: '48',
        purc_retn_stoin_time: '2026-11-22 10:03:04',
        purc_retn_opter_name: 'mgr',
        finl_trns_pric: '0.458333',
        prod_geay_flag: '0',
        drugtracinfo: [{ drug_trac_codg: '81000030000000000001' }, { drug_trac_codg: '0106901234567892213X' }],
      },
    });
  });

  it("sends the catalogue's code of now when the context knows it (a corrected typo), the recorded one otherwise", () => {
    const corrected = 'XJ01CAA040E001010100423';
    const withCatalogue = { ...ctx, currentNhsaCode: (id: string) => (id === 'AMOX' ? corrected : undefined) };
    const sent = (c: MapContext) =>
      (mapOutboxRecord(receiptEvent, '3503', 'ab12cd34-7-1', c).input as { purcinfo: { med_list_codg: string } }).purcinfo.med_list_codg;
    expect(sent(withCatalogue)).toBe(corrected);
    // A product no longer in the catalogue: the code the event recorded.
    expect(sent({ ...ctx, currentNhsaCode: () => undefined })).toBe('XJ01CAA040E001010100432');
    expect(sent(ctx)).toBe('XJ01CAA040E001010100432');
  });

  it('records a filing instead of a procurement order in memo, and uses the default operator without an actor', () => {
    const e = { ...receiptEvent, actor: null, payload: { ...receiptEvent.payload, procurementOrderNo: null, filingRef: 'BA-2026-01' } };
    const m = mapOutboxRecord(e, '3503', 'ab12cd34-7-1', ctx).input as { purcinfo: Record<string, unknown> };
    expect(m.purcinfo.purc_ordr_no).toBeUndefined();
    expect(m.purcinfo.memo).toBe('备案采购:BA-2026-01');
    expect(m.purcinfo.purc_retn_opter_name).toBe('收银员');
  });

  it('maps opening stock to 3501 invinfo', () => {
    const e: LedgerEvent = {
      seq: 3,
      at: '2026-11-21T17:00:00.000Z', // 2026-11-22 01:00 in Shanghai: the Shanghai date counts
      type: 'stock.opening_recorded',
      actor: null,
      payload: { receiptId: 2, note: '期初盘点', lines: [{ ...line, codes: undefined, pieces: 30, piecesPerPack: 20, pricePerPack: 1980 }] },
    };
    expect(mapOutboxRecord(e, '3501', 'ab12cd34-7-1', ctx).input).toEqual({
      invinfo: {
        fixmedins_bchno: 'ab12cd34-7-1',
        med_list_codg: 'XJ01CAA040E001010100432',
        fixmedins_hilist_id: 'AMOX',
        fixmedins_hilist_name: '阿莫西林胶囊',
        rx_flag: '1',
        manu_lotnum: 'A2401',
        manu_date: '2026-01-10', // issue 13: mandatory in 3501; a lot without it is refused below
        expy_end: '2028-01-09',
        invdate: '2026-11-22',
        inv_cnt: '30',
        pric: '0.990000',
        memo: '期初盘点',
      },
    });
  });

  it('maps a stock correction to 3502 invinfo', () => {
    const e: LedgerEvent = {
      seq: 12,
      at: '2026-11-22T02:03:04.000Z',
      type: 'stock.adjusted',
      actor: 'mgr',
      payload: {
        bchno: 'ab12cd34-A12',
        lotBchno: 'ab12cd34-7-1',
        productId: 'AMOX',
        product: { ...line.product, piecesPerPack: 24 },
        lot: 'A2401',
        mfgDate: '2026-01-10',
        expiry: '2028-01-09',
        delta: -24,
        pricePerPack: 1100,
        codes: [{ code: '81000030000000000002', pieces: 24 }],
        reason: '破损',
      },
    };
    expect(mapOutboxRecord(e, '3502', 'ab12cd34-A12', ctx).input).toEqual({
      invinfo: {
        fixmedins_bchno: 'ab12cd34-A12',
        med_list_codg: 'XJ01CAA040E001010100432',
        fixmedins_hilist_id: 'AMOX',
        fixmedins_hilist_name: '阿莫西林胶囊',
        rx_flag: '1',
        manu_lotnum: 'A2401',
        manu_date: '2026-01-10',
        expy_end: '2028-01-09',
        inv_chg_type: '104', // 盘损 in the national dictionary (102 is 调拨出库)
        inv_chg_time: '2026-11-22 10:03:04',
        pric: '0.458333',
        cnt: '24', // issue 13: the national name (was inv_chg_cnt)
        inv_chg_opter_name: 'mgr',
        trdn_flag: '0',
        drugtracinfo: [{ drug_trac_codg: '81000030000000000002' }],
        memo: '破损',
      },
    });
  });

  it('a lot without a production date cannot be reported (manu_date is mandatory): a MappingError naming the lot, in Chinese', () => {
    const e = { ...receiptEvent, payload: { ...receiptEvent.payload, lines: [{ ...line, mfgDate: null }] } };
    expect(() => mapOutboxRecord(e, '3503', 'ab12cd34-7-1', ctx)).toThrow(/批号 A2401（阿莫西林胶囊）没有生产日期/);
  });

  it('refuses what it cannot map, as a MappingError (never retried)', () => {
    expect(() => mapOutboxRecord(receiptEvent, '3505', 'ab12cd34-7-1', ctx)).toThrow(MappingError);
    expect(() => mapOutboxRecord(receiptEvent, '3503', 'no-such-batch', ctx)).toThrow(/no line with batch no-such-batch/);
  });

  it('prices a piece exactly enough that pieces x price gives the pack price back to the fen', () => {
    expect(piecePriceYuan(1100, 24)).toBe('0.458333');
    expect(piecePriceYuan(1980, 20)).toBe('0.990000');
    expect(piecePriceYuan(2, 3)).toBe('0.006667');
    expect(piecePriceYuan(0, 7)).toBe('0.000000');
    for (const [fen, n] of [
      [1100, 24],
      [2880, 7],
      [1, 36],
      [99999, 13],
    ] as const) {
      const micro = BigInt(piecePriceYuan(fen, n).replace('.', ''));
      expect(Number((micro * BigInt(n) + 5000n) / 10000n)).toBe(fen);
    }
  });
});
