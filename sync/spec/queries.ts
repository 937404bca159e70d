// 3512 入库药品追溯信息查询 and 3513 销售药品追溯信息查询: what the platform holds, read back (issue 13 item 4).
// Sources:
//   [N] newtouch-cloud/openhis, commit ca3ee5ca9fea2ac8fbcb0a67aed8d4c53bb2bc87 ("3508 3509 3510 3511 3512 3513
//       定点医药机构商品信息查询"), WinServiceAPI/NeiMengGuYiBaoApp/Models/Input/YiBao/Input_3512.cs, Input_3513.cs and
//       Models/Output/YiBao/Output_3512.cs, Output_3513.cs: the input node `data` (snake_case) with its field
//       numbers, lengths and 必填 marks — 3512 "必须传其中一个字段：医疗目录编码、医药机构目录编码、定点医药机构批次流水号",
//       3512 begndate/enddate Y, 3513 psn_cert_type Y — and the output fields, camelCase, one trace code per record
//       (drugTracCodg), no quantity, price or time of the goods movement.
//   [H] A public HIS page for these queries (stored-source id 67229635962, "国家医保上报数据查询", 2024-08-27): the same
//       camelCase columns for 3512/3513 (plus fixBlngAdmdvs), reads `output` itself as the array of rows, and says
//       "3513接口要求：医疗目录编码、医药机构目录编码、批次流水号、就诊ID、证件号码中必须传其中一个".
//   [J] A public Java controller (stored-source id 70342392590): "3512/3513 平台追溯信息对账查询 … 输出驼峰字段直透;
//       条件校验在服务层(三选一/五选一)".
//   [C] MdInventoryServiceImpl.java (stored-source id 60370742649) getInboundDetails_3512 / getSalesDetails_3513:
//       the same input names (3513 also sel_retn_opter_name).
// Decisions where the sources leave room:
// - `output` is the list of records ([H]; [N] models one record): the box reads both, a single record as a list of
//   one (validate.ts), and an empty output as no records. The simulator answers the list.
// - The output lengths are the upload's own (what the box sent is what the platform echoes): [N]'s 3513 lengths are
//   visibly shifted by a row (医疗目录编码 6, 批次流水号 150) and 3512's 药品追溯码 30 is shorter than a GS1 string.
// - What the box cannot compare without is mandatory for it: fixmedinsBchno and medListCodg. drugTracCodg is
//   optional (a record of goods without a trace code). The times ([H] formats them from epoch milliseconds) and the
//   people are not read, so not checked.
// - 3513 psn_cert_type (必填 on a query whose other person fields are optional): the box sends 99 (其他) and the
//   simulator does not filter on it; a province that filters by it is a profile change.
// - No paging field in any source: one call answers its whole date range.
import { date as d, str as s } from './fields.js';
import type { FieldSpec, InterfaceSpec } from './types.js';

const filled = (v: unknown): boolean => v !== undefined && v !== null && String(v).trim() !== '';

/** A field mandatory when none of `others` is given: "必须传其中一个". */
const oneOf = (field: FieldSpec, names: readonly string[]): FieldSpec => ({
  ...field,
  req: 'C',
  when: (rec) => !names.some((n) => filled(rec[n])),
});

const ONE_OF_3512 = ['med_list_codg', 'medins_list_codg', 'fixmedins_bchno'];
const ONE_OF_3513 = [...ONE_OF_3512, 'mdtrt_id', 'certno'];

/** The query fields both interfaces share ([N]); the one-of rule differs (3 or 5 fields). */
const queryFields = (oneOfNames: readonly string[]): FieldSpec[] =>
  [
    s('fixmedins_code', '定点医药机构编号', 30, 'Y'),
    s('medins_list_codg', '医药机构目录编码', 150),
    s('fixmedins_bchno', '定点医药机构批次流水号', 30),
    d('begndate', '开始日期'),
    d('enddate', '结束日期'),
    s('med_list_codg', '医疗目录编码', 50),
    s('drug_trac_codg', '药品追溯码', 100),
  ].map((f) => (oneOfNames.includes(f.name) ? oneOf(f, oneOfNames) : f));

/** One record the platform answers: one trace code of one uploaded record ([N], [H]). */
const RECORD: readonly FieldSpec[] = [
  s('fixmedinsBchno', '定点医药机构批次流水号', 30, 'Y'),
  s('medListCodg', '医疗目录编码', 50, 'Y'),
  s('medinsListCodg', '医药机构目录编码', 150),
  s('medinsListName', '医药机构目录名称', 200),
  s('drugTracCodg', '药品追溯码', 100),
  s('valiFlag', '有效标志', 3, 'O', { codes: ['0', '1'] }),
];

export const SPEC_3512: InterfaceSpec = {
  infno: '3512',
  cn: '入库药品追溯信息查询',
  sources: ['[N] newtouch-cloud/openhis@ca3ee5ca Input_3512.cs / Output_3512.cs', '[H] stored-source 67229635962', '[J] stored-source 70342392590'],
  input: [
    {
      node: 'data',
      fields: queryFields(ONE_OF_3512).map((f) => (f.name === 'begndate' || f.name === 'enddate' ? { ...f, req: 'Y' as const } : f)),
    },
  ],
  output: [{ node: '', list: true, fields: RECORD }],
};

export const SPEC_3513: InterfaceSpec = {
  infno: '3513',
  cn: '销售药品追溯信息查询',
  sources: ['[N] newtouch-cloud/openhis@ca3ee5ca Input_3513.cs / Output_3513.cs', '[H] stored-source 67229635962', '[C] getSalesDetails_3513'],
  input: [
    {
      node: 'data',
      fields: [
        ...queryFields(ONE_OF_3513),
        oneOf(s('mdtrt_id', '就诊ID', 30), ONE_OF_3513),
        s('psn_no', '人员编号', 30),
        s('psn_cert_type', '人员证件类型', 6, 'Y'),
        oneOf(s('certno', '证件号码', 600), ONE_OF_3513),
        s('psn_name', '人员姓名', 50),
        s('sel_retn_opter_name', '销售/退货经办人姓名', 50),
      ],
    },
  ],
  output: [
    {
      node: '',
      list: true,
      fields: [...RECORD, s('mdtrtId', '就诊ID', 30), s('psnNo', '人员编号', 30), s('trdnFlag', '拆零标志', 3, 'O', { codes: ['0', '1'] })],
    },
  ],
};
