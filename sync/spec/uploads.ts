// 3501–3507 进销存 (inventory, stock change, purchase, purchase return, sale, sale return, delete): input field
// lists as the national specification writes them. Sources (public integrations transcribing the national tables):
//   [B] binzhe12123/Medical SY.Com.Medical.Model/SYB/YYJGFW/YPPC3501.cs, KCBG3502.cs, YPCG3503.cs, YPCGTH3504.cs,
//       YPXS3505.cs, XSTH3506.cs, YPSC3507.cs (name, type, length, 必填 column as in the national document)
//   [I] newtouch-cloud/openhis-itaii openhis-server/openhis-domain/src/main/java/com/openhis/yb/dto/Medical3503Param.java,
//       Medical3505Param.java (必填/非必填 per field; adds mdtrt_setl_type and drugtracinfo)
//   [R] the 3505 answer `output.result { retRslt, msgRslt }`: openhis-itaii Medical3505Result.java and its callers
//       (accepted only when retRslt = "1").
// Where [B] and [I] disagree the national list [B] wins and the other is a profile (sync/spec/profiles/).
// Decisions: drug_trac_codg is 30 in [B]'s older single field; drugtracinfo carries GS1 element strings too, so 100.
import { DRUGTRACINFO, date as d, datetime as dt, num as n, str as s } from './fields.js';
import type { FieldSpec, InterfaceSpec, NodeSpec } from './types.js';

const FLAG = ['0', '1'] as const;

const GOODS: readonly FieldSpec[] = [
  s('med_list_codg', '医疗目录编码', 50, 'Y'),
  s('fixmedins_hilist_id', '定点医药机构目录编号', 30, 'Y'),
  s('fixmedins_hilist_name', '定点医药机构目录名称', 200, 'Y'),
  s('fixmedins_bchno', '定点医药机构批次流水号', 30, 'Y'),
];

/**
 * The answer every 3501–3506 may carry [R]: `result { retRslt, msgRslt }`. Absent: accepted on infcode 0 (see
 * sync/outputs.ts uploadVerdict); present: retRslt is mandatory and "1" is the only acceptance.
 */
const UPLOAD_RESULT: readonly NodeSpec[] = [{ node: 'result', optional: true, fields: [s('retRslt', '结果标志', 3, 'Y'), s('msgRslt', '结果信息', 2000)] }];

export const SPEC_3501: InterfaceSpec = {
  infno: '3501',
  cn: '商品盘存上传',
  sources: ['[B] YPPC3501.cs'],
  input: [
    {
      node: 'invinfo',
      fields: [
        ...GOODS,
        s('rx_flag', '处方药标志', 3, 'Y', { codes: FLAG }),
        d('invdate', '盘存日期', 'Y'),
        n('inv_cnt', '库存数量', [16, 2], 'Y'),
        s('manu_lotnum', '生产批号', 30),
        d('manu_date', '生产日期', 'Y'),
        d('expy_end', '有效期止', 'Y'),
        s('memo', '备注', 500),
        DRUGTRACINFO,
      ],
    },
  ],
  output: UPLOAD_RESULT,
};

export const SPEC_3502: InterfaceSpec = {
  infno: '3502',
  cn: '商品库存变更',
  sources: ['[B] KCBG3502.cs'],
  input: [
    {
      node: 'invinfo',
      fields: [
        ...GOODS,
        s('inv_chg_type', '库存变更类型', 6, 'Y'),
        n('pric', '单价', [16, 6], 'Y'),
        n('cnt', '数量', [16, 4], 'Y'),
        s('rx_flag', '处方药标志', 3, 'Y', { codes: FLAG }),
        dt('inv_chg_time', '库存变更时间', 'Y'),
        s('inv_chg_opter_name', '库存变更经办人姓名', 50),
        s('memo', '备注', 500),
        s('trdn_flag', '拆零标志', 2, 'O', { codes: FLAG }),
        DRUGTRACINFO,
      ],
    },
  ],
  output: UPLOAD_RESULT,
};

const PURCHASE_COMMON: readonly FieldSpec[] = [
  ...GOODS,
  s('dynt_no', '随货单号', 50),
  s('spler_name', '供应商名称', 200, 'Y'),
  s('spler_pmtno', '供应商许可证号', 50),
  s('manu_lotnum', '生产批号', 30, 'Y'),
  s('aprvno', '批准文号', 100, 'Y'),
  d('manu_date', '生产日期', 'Y'),
  d('expy_end', '有效期止', 'Y'),
  n('finl_trns_pric', '最终成交单价', [16, 6]),
  n('purc_retn_cnt', '采购/退货数量', [16, 4], 'Y'),
  s('purc_invo_codg', '采购发票编码', 50),
  s('rx_flag', '处方药标志', 3, 'Y', { codes: FLAG }),
  dt('purc_retn_stoin_time', '采购/退货入库时间', 'Y'),
  s('purc_retn_opter_name', '采购/退货经办人姓名', 50, 'Y'),
  s('memo', '备注', 500),
  DRUGTRACINFO,
];

export const SPEC_3503: InterfaceSpec = {
  infno: '3503',
  cn: '商品采购',
  sources: ['[B] YPCG3503.cs (prdr_name)', '[I] Medical3503Param.java (prodentp_name: profile prodentp-name)'],
  input: [
    {
      node: 'purcinfo',
      fields: [
        ...PURCHASE_COMMON,
        s('prdr_name', '生产厂家名称', 200, 'Y'),
        s('purc_invo_no', '采购发票号', 50),
        s('prod_geay_flag', '商品赠送标志', 3, 'Y', { codes: FLAG }),
      ],
    },
  ],
  output: UPLOAD_RESULT,
};

export const SPEC_3504: InterfaceSpec = {
  infno: '3504',
  cn: '商品采购退货',
  sources: ['[B] YPCGTH3504.cs'],
  // 3504 lists neither manufacturer nor approval number nor lot as mandatory; purc_invo_no is.
  input: [
    {
      node: 'purcinfo',
      fields: [
        ...PURCHASE_COMMON.map((f) => (f.name === 'aprvno' || f.name === 'manu_lotnum' ? { ...f, req: 'O' as const } : f)),
        s('purc_invo_no', '采购发票号', 50, 'Y'),
        s('medins_prod_purc_no', '商品采购流水号', 50),
      ],
    },
  ],
  output: UPLOAD_RESULT,
};

/** mdtrt_setl_type 1 医保结算 / 2 自费: setl_id is mandatory for an insured sale ([B]: 医保病人必填). */
const insured = (r: Record<string, unknown>): boolean => r['mdtrt_setl_type'] === '1';

const SALE_COMMON: readonly FieldSpec[] = [
  ...GOODS,
  s('setl_id', '结算ID', 30, 'C', { when: insured }),
  s('psn_no', '人员编号', 30),
  s('psn_cert_type', '人员证件类型', 6, 'Y'),
  s('certno', '证件号码', 50),
  s('psn_name', '人员姓名', 50),
  s('manu_lotnum', '生产批号', 30, 'Y'),
  d('manu_date', '生产日期', 'Y'),
  d('expy_end', '有效期止'),
  s('rx_flag', '处方药标志', 3, 'Y', { codes: FLAG }),
  s('trdn_flag', '拆零标志', 3, 'Y', { codes: FLAG }),
  n('finl_trns_pric', '最终成交单价', [16, 6]),
  n('sel_retn_cnt', '销售/退货数量', [16, 4], 'Y'),
  dt('sel_retn_time', '销售/退货时间', 'Y'),
  s('sel_retn_opter_name', '销售/退货经办人姓名', 50, 'Y'),
  s('memo', '备注', 500),
  s('mdtrt_setl_type', '就诊结算类型', 6, 'O', { codes: ['1', '2'] }),
  DRUGTRACINFO,
];

export const SPEC_3505: InterfaceSpec = {
  infno: '3505',
  cn: '商品销售',
  sources: ['[B] YPXS3505.cs', '[I] Medical3505Param.java', '[R] Medical3505Result.java'],
  input: [
    {
      node: 'selinfo',
      fields: [
        ...SALE_COMMON,
        s('prsc_dr_cert_type', '开方医师证件类型', 6),
        s('prsc_dr_certno', '开方医师证件号码', 50),
        s('prsc_dr_name', '开方医师姓名', 50, 'Y'),
        s('phar_cert_type', '药师证件类型', 6),
        s('phar_certno', '药师证件号码', 50),
        s('phar_name', '药师姓名', 50, 'Y'),
        s('phar_prac_cert_no', '药师执业资格证号', 50, 'Y'),
        s('hi_feesetl_type', '医保费用结算类型', 6, 'Y'),
        s('mdtrt_sn', '就医流水号', 30, 'Y'),
        s('rxno', '处方号', 40),
        s('rx_circ_flag', '外购处方标志', 3, 'O', { codes: FLAG }),
        s('rtal_docno', '零售单据号', 40, 'Y'),
        s('stoout_no', '销售出库单据号', 40),
        s('bchno', '批次号', 30),
        s('drug_prod_barc', '药品条形码', 30),
        s('shelf_posi', '货架位', 20),
      ],
    },
  ],
  output: UPLOAD_RESULT,
};

export const SPEC_3506: InterfaceSpec = {
  infno: '3506',
  cn: '商品销售退货',
  sources: ['[B] XSTH3506.cs'],
  input: [{ node: 'selinfo', fields: [...SALE_COMMON, s('medins_prod_sel_no', '商品销售流水号', 50)] }],
  output: UPLOAD_RESULT,
};

export const SPEC_3507: InterfaceSpec = {
  infno: '3507',
  cn: '删除进销存信息',
  sources: ['[B] YPSC3507.cs'],
  input: [
    {
      node: 'data',
      fields: [s('fixmedins_bchno', '定点医药机构批次流水号', 30, 'Y'), s('inv_data_type', '进销存数据类型', 30, 'Y', { codes: ['1', '2', '3', '4'] })],
    },
  ],
  output: [],
};
