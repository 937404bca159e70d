// The box's messages against the national tables: every mapper's record for realistic ledger events passes its
// table, and removing any mandatory field is caught (property-style, every field of every record).
import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../agent/ledger/index.js';
import { type MapContext, mapOutboxRecord } from '../mappers/index.js';
import { settlementInput } from '../settlement-port.js';
import { applyProfile, describeProblems, profileByName, SPECS, validateInput } from './index.js';

const ctx: MapContext = { defaultOperatorName: '收银员' };
const product = {
  nhsaCode: 'XJ01CAA040E001010100432',
  name: '阿莫西林胶囊',
  spec: '0.25g*24粒',
  manufacturer: '某药业',
  approvalNo: '国药准字H1',
  rx: true,
  piecesPerPack: 24,
};
const lotLine = {
  bchno: 'ab12cd34-7-1',
  productId: 'AMOX',
  product,
  lot: 'A2401',
  mfgDate: '2026-01-10',
  expiry: '2028-01-09',
  packs: 2,
  piecesPerPack: 24,
  pieces: 48,
  pricePerPack: 1100,
  codes: ['81000030000000000001', '81000030000000000002'],
};
// Realistic payloads written as plain objects: cast once here rather than spelling each payload type.
const ev = (type: string, payload: Record<string, unknown>): LedgerEvent =>
  ({ seq: 9, at: '2026-11-22T02:03:04.000Z', type, actor: 'mgr', payload }) as unknown as LedgerEvent;
const saleLine = (over: Record<string, unknown> = {}) => ({
  bchno: 'ab12cd34-S5-1',
  productId: 'AMOX',
  product,
  lot: 'A2401',
  mfgDate: '2026-01-10',
  expiry: '2028-01-09',
  code: '81000030000000000001',
  pieces: 24,
  split: false,
  price: 1100,
  ...over,
});
const pharmacist = { name: '李药师', certNo: 'ZY13010200001' };

const CASES: [string, LedgerEvent, string, string][] = [
  [
    'receipt',
    ev('receipt.recorded', {
      supplier: '华润河北医药有限公司',
      invoiceNo: 'INV-1',
      deliveryNoteNo: 'DN-1',
      procurementOrderNo: 'CG1',
      filingRef: null,
      lines: [lotLine],
    }),
    '3503',
    'ab12cd34-7-1',
  ],
  ['opening stock', ev('stock.opening_recorded', { note: '期初', lines: [{ ...lotLine, codes: undefined }] }), '3501', 'ab12cd34-7-1'],
  [
    'sale, self-pay (OTC, no prescription)',
    ev('sale.settled', { saleId: 5, payment: 'self_pay', pharmacist, items: [saleLine({ product: { ...product, rx: false } })] }),
    '3505',
    'ab12cd34-S5-1',
  ],
  [
    'sale, insured with prescription',
    ev('sale.settled', {
      saleId: 5,
      payment: 'insurance',
      setlId: 'SETL1',
      mdtrtId: 'MDTRT1',
      psnNo: 'PSN1',
      psnCertType: '01',
      pharmacist,
      prescription: { rxNo: 'RX1', doctorName: '王医生', institutionCode: 'H1' },
      items: [saleLine()],
    }),
    '3505',
    'ab12cd34-S5-1',
  ],
  [
    'split pack',
    ev('sale.settled', { saleId: 5, payment: 'self_pay', pharmacist, items: [saleLine({ pieces: 6, split: true, price: 275 })] }),
    '3505',
    'ab12cd34-S5-1',
  ],
  [
    'return',
    ev('sale.reversed', { saleId: 5, setlId: 'SETL1', psnNo: 'PSN1', reason: '退货', items: [saleLine({ bchno: 'ab12cd34-R5-1' })] }),
    '3506',
    'ab12cd34-R5-1',
  ],
  [
    'adjustment',
    ev('stock.adjusted', {
      bchno: 'ab12cd34-A12',
      lotBchno: 'ab12cd34-7-1',
      productId: 'AMOX',
      product,
      lot: 'A2401',
      mfgDate: '2026-01-10',
      expiry: '2028-01-09',
      delta: -24,
      pricePerPack: 1100,
      codes: [{ code: '81000030000000000002', pieces: 24 }],
      reason: '破损',
    }),
    '3502',
    'ab12cd34-A12',
  ],
];

describe("the box's 35xx records against the national tables", () => {
  it.each(CASES)('%s passes its table', (_name, e, infno, key) => {
    const m = mapOutboxRecord(e, infno, key, ctx);
    expect(describeProblems(infno, validateInput(infno, m.input))).toBe('');
  });

  it('a delete (3507) passes its table', () => {
    expect(validateInput('3507', { data: { fixmedins_bchno: 'ab12cd34-S5-1', inv_data_type: '4' } })).toEqual([]);
  });

  it('3505 carries the pharmacist, mdtrt_sn, the coded fields, and prsc_dr_name always', () => {
    const [, self] = CASES[2]!.slice(0, 2) as [string, LedgerEvent];
    const otc = (mapOutboxRecord(self, '3505', 'ab12cd34-S5-1', ctx).input as { selinfo: Record<string, unknown> }).selinfo;
    expect(otc).toMatchObject({
      phar_name: '李药师',
      phar_prac_cert_no: 'ZY13010200001',
      mdtrt_sn: 'ab12cd34-S5',
      prsc_dr_name: '无',
      hi_feesetl_type: '2',
      mdtrt_setl_type: '2',
      psn_cert_type: '99',
    });
    const ins = (mapOutboxRecord(CASES[3]![1], '3505', 'ab12cd34-S5-1', ctx).input as { selinfo: Record<string, unknown> }).selinfo;
    expect(ins).toMatchObject({
      mdtrt_sn: 'MDTRT1',
      setl_id: 'SETL1',
      prsc_dr_name: '王医生',
      rxno: 'RX1',
      hi_feesetl_type: '1',
      mdtrt_setl_type: '1',
      psn_cert_type: '01',
    });
  });

  it('a sale recorded without a pharmacist is refused by the table, naming the field in Chinese', () => {
    const e = ev('sale.settled', { saleId: 5, payment: 'self_pay', items: [saleLine()] });
    const p = validateInput('3505', mapOutboxRecord(e, '3505', 'ab12cd34-S5-1', ctx).input);
    expect(describeProblems('3505', p)).toContain('3505 selinfo.phar_prac_cert_no 缺失（药师执业资格证号）');
  });

  it('removing any mandatory field of any record is caught', () => {
    let checked = 0;
    for (const [, e, infno, key] of CASES) {
      const input = mapOutboxRecord(e, infno, key, ctx).input as Record<string, Record<string, unknown>>;
      const node = SPECS[infno]!.input[0]!;
      for (const f of node.fields.filter((x) => x.req === 'Y' || (x.req === 'C' && x.when?.(input[node.node]!)))) {
        const rec = { ...input[node.node] };
        delete rec[f.name];
        const problems = validateInput(infno, { ...input, [node.node]: rec });
        expect(problems, `${infno} without ${f.name}`).toContainEqual({ path: `${node.node}.${f.name}`, cn: f.cn, problem: '缺失' });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(60);
  });

  it('formats: a date with a time, a datetime without the space, too many decimals, an over-long value', () => {
    const input = mapOutboxRecord(CASES[3]![1], '3505', 'ab12cd34-S5-1', ctx).input as { selinfo: Record<string, unknown> };
    const bad = {
      selinfo: { ...input.selinfo, manu_date: '2026-01-10 00:00:00', sel_retn_time: '2026-11-2210:03:04', sel_retn_cnt: '1.00001', phar_name: 'x'.repeat(51) },
    };
    expect(validateInput('3505', bad).map((p) => `${p.path} ${p.problem}`)).toEqual([
      'selinfo.manu_date 格式错误（应为yyyy-MM-dd）',
      'selinfo.sel_retn_cnt 小数位过多（最多4位）',
      'selinfo.sel_retn_time 格式错误（应为yyyy-MM-dd HH:mm:ss）',
      'selinfo.phar_name 超长（最多50位）',
    ]);
  });

  it('1101 with certificate type 03 needs card_sn', () => {
    expect(validateInput('1101', { data: { mdtrt_cert_type: '03', mdtrt_cert_no: 'A1' } })).toEqual([
      { path: 'data.card_sn', cn: '卡识别码', problem: '缺失' },
    ]);
    expect(validateInput('1101', { data: { mdtrt_cert_type: '03', mdtrt_cert_no: 'A1', card_sn: 'SN1' } })).toEqual([]);
  });

  it('the 2101/2102 input the box builds passes its table', () => {
    const input = settlementInput({
      saleId: 5,
      at: new Date('2026-11-22T02:03:04Z'),
      total: 1100,
      person: {
        psnNo: 'PSN1',
        certType: '02',
        certNo: '1301',
        name: '张三',
        chronicDiseases: [],
        presented: { certType: '02', certNo: '1301' },
        insutype: '310',
        balanceFen: 0,
      } as never,
      lines: [
        {
          itemId: 1,
          productId: 'AMOX',
          nhsaCode: product.nhsaCode,
          name: product.name,
          pieces: 24,
          price: 1100,
          pricePerPack: 1100,
          piecesPerPack: 24,
          code: '81000030000000000001',
          split: false,
          rx: true,
        },
      ],
      prescription: { rxNo: 'RX1', doctorName: '王医生' },
    });
    expect(validateInput('2101', input)).toEqual([]);
    expect(validateInput('2102', input)).toEqual([]);
  });
});

describe('province profiles', () => {
  it('prodentp-name renames 3503 prdr_name, keeping the field order; the profiled table wants the renamed field', () => {
    const profile = profileByName('prodentp-name');
    const national = mapOutboxRecord(CASES[0]![1], '3503', 'ab12cd34-7-1', ctx).input as { purcinfo: Record<string, unknown> };
    const wire = applyProfile(profile, '3503', national) as { purcinfo: Record<string, unknown> };
    expect(wire.purcinfo['prodentp_name']).toBe('某药业');
    expect(wire.purcinfo['prdr_name']).toBeUndefined();
    expect(Object.keys(wire.purcinfo).indexOf('prodentp_name')).toBe(Object.keys(national.purcinfo).indexOf('prdr_name'));
    expect(validateInput('3503', wire, profile)).toEqual([]);
    expect(validateInput('3503', national, profile).map((p) => p.path)).toEqual(['purcinfo.prodentp_name']);
    expect(validateInput('3503', wire).map((p) => p.path)).toEqual(['purcinfo.prdr_name']);
    expect(() => profileByName('atlantis')).toThrow(/unknown platform profile/);
  });
});
