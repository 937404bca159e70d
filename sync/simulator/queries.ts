// 3512 入库药品追溯信息查询 / 3513 销售药品追溯信息查询: the platform answers from what it has actually accepted
// (its 3503/3504 and 3505/3506 records, 3507 deletions excluded), in the output shape of sync/spec/queries.ts,
// and checks its own answer against that table before sending it (a bug here must not teach the box a shape
// the national interface does not have).
// Decision: 3512 (入库) answers purchases and purchase returns (3503/3504). Opening stock (3501 盘存) and stock
// changes (3502) are not 入库 and are not part of the read-back.
import { describeProblems, validateOutput } from '../spec/index.js';
import type { Handler } from './handler.js';
import { obj, optStr, refuse, str } from './input.js';
import { listUploads, type UploadRow } from './uploads.js';

interface QuerySpec {
  infnos: readonly string[];
  /** The record's time field; its date (yyyy-MM-dd) is what begndate/enddate select. */
  timeField: string;
}

const QUERIES: Readonly<Record<'3512' | '3513', QuerySpec>> = {
  '3512': { infnos: ['3503', '3504'], timeField: 'purc_retn_stoin_time' },
  '3513': { infnos: ['3505', '3506'], timeField: 'sel_retn_time' },
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The answer's rows for one held record: one per trace code (one without, for goods that have none), camelCase. */
function answerRows(infno: '3512' | '3513', row: UploadRow): Record<string, unknown>[] {
  const p = row.payload;
  const base: Record<string, unknown> = { fixmedinsCode: row.fixmedinsCode, fixmedinsBchno: row.bchno, medListCodg: p['med_list_codg'] };
  if (p['fixmedins_hilist_id'] !== undefined) base['medinsListCodg'] = p['fixmedins_hilist_id'];
  if (p['fixmedins_hilist_name'] !== undefined) base['medinsListName'] = p['fixmedins_hilist_name'];
  if (infno === '3513') {
    if (p['mdtrt_id'] !== undefined) base['mdtrtId'] = p['mdtrt_id'];
    if (p['psn_no'] !== undefined) base['psnNo'] = p['psn_no'];
    if (p['trdn_flag'] !== undefined) base['trdnFlag'] = p['trdn_flag'];
  }
  base['valiFlag'] = '1';
  const trace = Array.isArray(p['drugtracinfo']) ? (p['drugtracinfo'] as { drug_trac_codg?: unknown }[]) : [];
  return trace.length === 0 ? [base] : trace.map((t) => ({ ...base, drugTracCodg: t.drug_trac_codg }));
}

function traceQuery(infno: '3512' | '3513'): Handler {
  const q = QUERIES[infno];
  return ({ db, input, store }) => {
    const data = obj(obj(input, 'input')['data'], 'data');
    const code = str(data['fixmedins_code'], 'data.fixmedins_code');
    if (code !== store.fixmedins_code) refuse(`入参错误：data.fixmedins_code（${code}）与报文的定点医药机构编号不一致，只能查询本机构的记录`);
    const begn = optStr(data['begndate']);
    const end = optStr(data['enddate']);
    if (begn && end && DATE.test(begn) && DATE.test(end) && begn > end) refuse('入参错误：开始日期晚于结束日期');
    const bchno = optStr(data['fixmedins_bchno']);
    const listCode = optStr(data['med_list_codg']);
    const itemCode = optStr(data['medins_list_codg']);
    const mdtrtId = optStr(data['mdtrt_id']);
    const traceCode = optStr(data['drug_trac_codg']);
    const rows = q.infnos
      .flatMap((i) => listUploads(db, { infno: i, fixmedinsCode: store.fixmedins_code, ...(bchno ? { bchno } : {}) }))
      .filter((r) => {
        const day = String(r.payload[q.timeField] ?? '').slice(0, 10);
        if (begn && day < begn) return false;
        if (end && day > end) return false;
        if (listCode && r.payload['med_list_codg'] !== listCode) return false;
        if (itemCode && r.payload['fixmedins_hilist_id'] !== itemCode) return false;
        if (mdtrtId && r.payload['mdtrt_id'] !== mdtrtId) return false;
        const codes = Array.isArray(r.payload['drugtracinfo']) ? (r.payload['drugtracinfo'] as { drug_trac_codg?: unknown }[]) : [];
        return !traceCode || codes.some((c) => c.drug_trac_codg === traceCode);
      })
      .sort((a, b) => String(a.payload[q.timeField]).localeCompare(String(b.payload[q.timeField])) || a.bchno.localeCompare(b.bchno));
    const output = rows.flatMap((r) => answerRows(infno, r));
    const problems = validateOutput(infno, output);
    if (problems.length > 0) throw new Error(`simulator ${infno} answer breaks its own table: ${describeProblems(infno, problems)}`);
    return output;
  };
}

export const inboundTraceQuery = traceQuery('3512');
export const saleTraceQuery = traceQuery('3513');
