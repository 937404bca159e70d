// 9001, 1101, 1161, 2101–2103, 2601, 3601: input field lists and what the box reads back.
// Sources:
//   [B] binzhe12123/Medical SY.Com.Medical.Model/SYB/QD9001.cs (9001), SYB/JBXX/RY1101.cs (1101 in/out),
//       SYB/YBJS/CZ2601.cs (2601)
//   [I] newtouch-cloud/openhis-itaii openhis-server/openhis-domain/src/main/java/com/openhis/yb/dto/Info1101ReadcardParam.java
//   [M] a public HIS's MockYbServer.java (package com.yb.hi.common; stored-source id 70349946439, repository not
//       confirmed — likely the openhis-clinic family): 2601 "规范输出无节点, infcode=0 即成功"; its 3505 check lists
//       16 mandatory fields incl. mdtrt_setl_type, and setl_id when mdtrt_setl_type = 1
//   [D] DESIGN 5 (2101/2102 druginfo/drugdetail, 2103): no public transcription of the pharmacy 2101–2103
//       tables was found in the stored sources; the names are the national ones DESIGN lists, lengths from the
//       same fields in [B] (psn_no 30, mdtrt_cert_type 3, medfee_sumamt 16,2, cnt 16,4, pric 16,6).
//   1161 and 3601 are this box's extensions (sync/interfaces.ts says why).
import { datetime as dt, num as n, str as s } from './fields.js';
import type { FieldSpec, InterfaceSpec } from './types.js';

export const SPEC_9001: InterfaceSpec = {
  infno: '9001',
  cn: '签到',
  sources: ['[B] QD9001.cs'],
  input: [{ node: 'signIn', fields: [s('opter_no', '操作员编号', 20, 'Y'), s('mac', '签到MAC地址', 20, 'Y'), s('ip', '签到IP地址', 20, 'Y')] }],
  output: [{ node: 'signinoutb', fields: [s('sign_no', '签到编号', 30, 'Y'), dt('sign_time', '签到时间')] }],
};

export const SPEC_1101: InterfaceSpec = {
  infno: '1101',
  cn: '人员信息获取',
  sources: ['[B] RY1101.cs', '[I] Info1101ReadcardParam.java'],
  input: [
    {
      node: 'data',
      fields: [
        s('mdtrt_cert_type', '就诊凭证类型', 3, 'Y', { codes: ['01', '02', '03'] }),
        s('mdtrt_cert_no', '就诊凭证编号', 50, 'Y'),
        // [B]: 卡识别码, 就诊凭证类型为“03”时必填
        s('card_sn', '卡识别码', 32, 'C', { when: (r) => r['mdtrt_cert_type'] === '03' }),
        dt('begntime', '开始时间'),
        s('psn_cert_type', '人员证件类型', 6),
        s('certno', '证件号码', 50),
        s('psn_name', '人员姓名', 50),
      ],
    },
  ],
  // [B] RY1101.cs output. The box cannot go on without psn_no (every later call names the person) and a readable
  // balance; the rest it shows and compares (certno with the prescription), so their format is checked when present.
  output: [
    {
      node: 'baseinfo',
      fields: [
        s('psn_no', '人员编号', 30, 'Y'),
        s('psn_cert_type', '人员证件类型', 6),
        s('certno', '证件号码', 50),
        s('psn_name', '人员姓名', 50),
        s('gend', '性别', 6),
        { name: 'brdy', cn: '出生日期', type: 'date', req: 'O' },
        n('age', '年龄', [4, 1]),
      ],
    },
    { node: 'insuinfo', list: true, fields: [n('balc', '余额', [16, 2], 'Y'), s('insutype', '险种类型', 6)] },
  ],
};

export const SPEC_1161: InterfaceSpec = {
  infno: '1161',
  cn: '医保电子凭证解码（扩展）',
  sources: ['this box (sync/interfaces.ts)'],
  input: [{ node: 'data', fields: [s('ec_qrcode', '电子凭证二维码', 512, 'Y')] }],
  output: [{ node: '', fields: [s('ec_token', '电子凭证令牌', 512, 'Y')] }],
};

const DRUGINFO: readonly FieldSpec[] = [
  s('psn_no', '人员编号', 30, 'Y'),
  s('mdtrt_cert_type', '就诊凭证类型', 3, 'Y'),
  s('mdtrt_cert_no', '就诊凭证编号', 50, 'Y'),
  dt('begntime', '开始时间', 'Y'),
  n('medfee_sumamt', '医疗费总额', [16, 2], 'Y'),
  s('insutype', '险种类型', 6, 'Y'),
  s('acct_used_flag', '个人账户使用标志', 3, 'Y', { codes: ['0', '1'] }),
  s('med_type', '医疗类别', 6, 'Y'),
  s('dise_codg', '病种编码', 30), // med_type 14 without it: any of the person's registered diseases (DESIGN 5)
  s('dise_name', '病种名称', 500),
];

const DRUGDETAIL: readonly FieldSpec[] = [
  s('feedetl_sn', '费用明细流水号', 30, 'Y'),
  s('rxno', '处方号', 40),
  s('rx_circ_flag', '外购处方标志', 3, 'O', { codes: ['0', '1'] }),
  s('med_list_codg', '医疗目录编码', 50, 'Y'),
  s('medins_list_codg', '医药机构目录编码', 150, 'Y'),
  n('det_item_fee_sumamt', '明细项目费用总额', [16, 2], 'Y'),
  n('cnt', '数量', [16, 4], 'Y'),
  n('pric', '单价', [16, 6], 'Y'),
  dt('fee_ocur_time', '费用发生时间'),
  s('bilg_dr_codg', '开单医生编码', 30),
  s('bilg_dr_name', '开单医师姓名', 50),
  {
    name: 'drug_trac_info',
    cn: '追溯码信息',
    type: 'str',
    req: 'O',
    list: [s('drug_trac_codg', '药品追溯码', 100, 'Y'), s('trdn_flag', '拆零标志', 3, 'Y', { codes: ['0', '1'] })],
  },
];

/**
 * setlinfo as the box reads it (DESIGN 5 names; amounts 16,2 decimal yuan, converted exactly to fen). 2101 is a
 * pre-settlement: it creates no settlement, so its setl_id may be empty; 2102's must be there (2103 needs it).
 */
const setlinfo = (setlId: FieldSpec['req']) => [
  {
    node: 'setlinfo',
    fields: [
      s('setl_id', '结算ID', 30, setlId),
      s('mdtrt_id', '就诊ID', 30),
      s('psn_no', '人员编号', 30, 'Y'),
      n('medfee_sumamt', '医疗费总额', [16, 2], 'Y'),
      n('fund_pay_sumamt', '基金支付总额', [16, 2], 'Y'),
      n('acct_pay', '个人账户支出', [16, 2], 'Y'),
      n('psn_cash_pay', '个人现金支出', [16, 2], 'Y'),
      n('balc', '余额', [16, 2], 'Y'),
      dt('setl_time', '结算时间'),
    ],
  },
];

export const SPEC_2101: InterfaceSpec = {
  infno: '2101',
  cn: '药店预结算',
  sources: ['[D]'],
  input: [
    { node: 'druginfo', fields: DRUGINFO },
    { node: 'drugdetail', list: true, fields: DRUGDETAIL },
  ],
  output: setlinfo('O'),
};

export const SPEC_2102: InterfaceSpec = { ...SPEC_2101, infno: '2102', cn: '药店结算', output: setlinfo('Y') };

export const SPEC_2103: InterfaceSpec = {
  infno: '2103',
  cn: '药店结算撤销',
  sources: ['[D]'],
  input: [{ node: 'data', fields: [s('setl_id', '结算ID', 30, 'Y'), s('mdtrt_id', '就诊ID', 30, 'Y'), s('psn_no', '人员编号', 30, 'Y')] }],
  // Success is infcode 0; the box reads nothing from the output.
  output: [],
};

export const SPEC_2601: InterfaceSpec = {
  infno: '2601',
  cn: '冲正交易',
  sources: ['[B] CZ2601.cs', '[M] MockYbServer.java'],
  input: [{ node: 'data', fields: [s('psn_no', '人员编号', 30, 'Y'), s('omsgid', '原发送方报文ID', 30, 'Y'), s('oinfno', '原交易编号', 4, 'Y')] }],
  // The national 2601 output carries nothing the caller needs: success is infcode 0.
  output: [],
};

export const SPEC_3601: InterfaceSpec = {
  infno: '3601',
  cn: '疑点数据获取（扩展）',
  sources: ['this box (sync/interfaces.ts)'],
  input: [{ node: 'data', fields: [s('fixmedins_code', '定点医药机构编号', 30, 'Y'), { name: 'audit_date', cn: '审核日期', type: 'date', req: 'Y' }] }],
  output: [
    {
      node: 'items',
      list: true,
      fields: [
        s('item_id', '疑点编号', 64, 'Y'),
        s('rule', '规则编码', 64, 'Y'),
        s('rule_name', '规则名称', 200),
        s('detail', '疑点描述', 2000),
        s('psn_no', '人员编号', 30),
        s('setl_id', '结算ID', 30),
        n('amount', '金额', [16, 2]),
      ],
    },
  ],
};
