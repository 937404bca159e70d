// 3512 入库药品追溯信息查询 and 3513 销售药品追溯信息查询: what the platform holds, read back (issue 13 item 4).
// Sources:
//   [C] MdInventoryServiceImpl.java (stored-source id 60370742649; issue 13 attributes it to
//       tntlinking-opensource/openhis-clinic — the stored copy's repository path was not confirmed;
//       getInboundDetails_3512 / getSalesDetails_3513 and the 3508–3511 query lists beside them): the input
//       node `data` and its field names; 3513 marks fixmedins_code and psn_cert_type 必填, the rest 选填; 3512
//       gives begndate/enddate as yyyy-MM-dd. The interface list 3508 商品库存信息查询 … 3510 商品采购信息查询,
//       3511 商品销售信息查询, 3512 入库药品追溯信息查询, 3513 销售药品追溯信息查询 agrees with the public API
//       outline of a national-platform integration (stored-source id 10963056762, 【3508-3513】进销存查询接口).
//   [O] No public transcription of the 3512/3513 *output* was found in the stored sources. Decision: the output
//       is the list node `data` whose records carry the names of the records as uploaded (3503 purcinfo /
//       3505–3506 selinfo, sync/spec/uploads.ts) — the names the 3510/3511 lists of [C] also use
//       (fixmedins_bchno, med_list_codg, manu_lotnum, setl_id, sel_retn_time, vali_flag …) — plus drugtracinfo.
//       What the comparison needs (batch id, code, quantity, time) is mandatory; the box refuses an answer
//       without it, naming the field.
// Paging: [C] lists no page fields for 3512/3513, so one call answers the whole date range (no paging).
// Decision on 3513 psn_cert_type (必填 in [C], on a query whose other person fields are optional): the box
// sends 99 (其他) and the simulator does not filter on it; a province that filters by it is a profile change.
import { DRUGTRACINFO, date as d, datetime as dt, num as n, str as s } from './fields.js';
import type { FieldSpec, InterfaceSpec } from './types.js';

/** The query fields both interfaces share ([C]). */
const QUERY_COMMON: readonly FieldSpec[] = [
  s('fixmedins_code', '定点医药机构编号', 30, 'Y'),
  s('medins_list_codg', '医药机构目录编码', 150),
  s('fixmedins_bchno', '定点医药机构批次流水号', 30),
  d('begndate', '开始日期'),
  d('enddate', '结束日期'),
  s('med_list_codg', '医疗目录编码', 50),
  s('drug_trac_codg', '药品追溯码', 100),
];

/** What every answered record says about the goods ([O]: the upload's own names). */
const RECORD_GOODS: readonly FieldSpec[] = [
  s('fixmedins_bchno', '定点医药机构批次流水号', 30, 'Y'),
  s('med_list_codg', '医疗目录编码', 50, 'Y'),
  s('fixmedins_hilist_id', '定点医药机构目录编号', 30),
  s('fixmedins_hilist_name', '定点医药机构目录名称', 200),
  s('manu_lotnum', '生产批号', 30),
  d('manu_date', '生产日期'),
  d('expy_end', '有效期止'),
  n('finl_trns_pric', '最终成交单价', [16, 6]),
  s('vali_flag', '有效标志', 3, 'O', { codes: ['0', '1'] }),
];

export const SPEC_3512: InterfaceSpec = {
  infno: '3512',
  cn: '入库药品追溯信息查询',
  sources: ['[C] MdInventoryServiceImpl.java getInboundDetails_3512', '[O] output: decision (no public transcription)'],
  input: [{ node: 'data', fields: QUERY_COMMON }],
  output: [
    {
      node: 'data',
      list: true,
      fields: [
        ...RECORD_GOODS,
        s('spler_name', '供应商名称', 200),
        n('purc_retn_cnt', '采购/退货数量', [16, 4], 'Y'),
        dt('purc_retn_stoin_time', '采购/退货入库时间', 'Y'),
        DRUGTRACINFO,
      ],
    },
  ],
};

export const SPEC_3513: InterfaceSpec = {
  infno: '3513',
  cn: '销售药品追溯信息查询',
  sources: ['[C] MdInventoryServiceImpl.java getSalesDetails_3513', '[O] output: decision (no public transcription)'],
  input: [
    {
      node: 'data',
      fields: [
        ...QUERY_COMMON,
        s('mdtrt_id', '就诊ID', 30),
        s('psn_no', '人员编号', 30),
        s('psn_cert_type', '人员证件类型', 6, 'Y'),
        s('certno', '证件号码', 50),
        s('psn_name', '人员姓名', 50),
        s('sel_retn_opter_name', '销售/退货经办人姓名', 50),
      ],
    },
  ],
  output: [
    {
      node: 'data',
      list: true,
      fields: [
        ...RECORD_GOODS,
        s('setl_id', '结算ID', 30),
        s('trdn_flag', '拆零标志', 3, 'O', { codes: ['0', '1'] }),
        n('sel_retn_cnt', '销售/退货数量', [16, 4], 'Y'),
        dt('sel_retn_time', '销售/退货时间', 'Y'),
        DRUGTRACINFO,
      ],
    },
  ],
};
