// The platform side of 平台核对 (agent/reconciliation/platform-port.ts): 3512 入库药品追溯信息查询 and 3513 销售
// 药品追溯信息查询 for one day, each answer checked against the national output table (sync/spec/queries.ts)
// and turned into the port's records. Any failure is a PlatformReadbackError naming what failed; the caller
// changes nothing then.
import { type DayQuery, type HeldRecord, type PlatformDay, PlatformReadbackError, type PlatformReadbackPort } from '../agent/reconciliation/platform-port.js';
import type { PlatformClient } from './client.js';
import { PlatformError, PlatformMalformedResponseError, PlatformOutputSpecError, PlatformRejectedError } from './errors.js';
import { outputRows, SPECS } from './spec/index.js';

type Rec = Record<string, unknown>;

/** Anonymous query person type (3513 psn_cert_type is 必填 in the source; see sync/spec/queries.ts). */
const ANY_PERSON_CERT_TYPE = '99';

/**
 * The records of one query's answers: its rows (one trace code each) grouped by batch id. A row the platform marks
 * invalid (valiFlag 0: a record deleted by 3507) is not held; a record whose rows name two drug codes keeps the first.
 */
function heldRecords(rows: readonly Rec[]): HeldRecord[] {
  const byBchno = new Map<string, HeldRecord>();
  for (const r of rows) {
    if (String(r['valiFlag'] ?? '1') === '0') continue;
    const bchno = String(r['fixmedinsBchno']);
    let rec = byBchno.get(bchno);
    if (!rec) {
      const name = r['medinsListName'];
      rec = { bchno, code: String(r['medListCodg']), name: typeof name === 'string' && name !== '' ? name : null, pieces: null, amountFen: null, codes: [] };
      byBchno.set(bchno, rec);
    }
    const code = r['drugTracCodg'];
    if (code !== undefined && code !== null && String(code) !== '' && !rec.codes.includes(String(code))) rec.codes.push(String(code));
  }
  for (const rec of byBchno.values()) rec.codes.sort();
  return [...byBchno.values()];
}

export class PlatformReadback implements PlatformReadbackPort {
  constructor(
    private readonly client: PlatformClient,
    private readonly fixmedinsCode: string,
  ) {}

  async readDay(date: string, query: DayQuery): Promise<PlatformDay> {
    const base = { fixmedins_code: this.fixmedinsCode, begndate: date, enddate: date };
    // One call per drug code (the queries need one, sync/spec/queries.ts). Receipts first, then sales: a failure of
    // any is the whole read-back's failure (nothing half-compared).
    const receipts: Rec[] = [];
    for (const code of query.receiptCodes) receipts.push(...(await this.query('3512', { data: { ...base, med_list_codg: code } })));
    const sales: Rec[] = [];
    for (const code of query.saleCodes)
      sales.push(...(await this.query('3513', { data: { ...base, med_list_codg: code, psn_cert_type: ANY_PERSON_CERT_TYPE } })));
    return { date, receipts: heldRecords(receipts), sales: heldRecords(sales) };
  }

  private async query(infno: '3512' | '3513', input: unknown): Promise<Rec[]> {
    const what = `${SPECS[infno]!.cn}（${infno}）`;
    let output: unknown;
    try {
      output = (await this.client.call(infno, input as never)).output;
    } catch (err) {
      if (err instanceof PlatformRejectedError)
        throw new PlatformReadbackError(`医保平台拒绝了${what}：${err.errMsg || `infcode ${err.infcode}`}。本次核对未作任何改动，请核对后重试`, 502);
      // The client checks every answer against the output table: the field it names is the platform's to fix.
      if (err instanceof PlatformOutputSpecError)
        throw new PlatformReadbackError(`医保平台对${what}的应答不符合接口规范：${err.reason}。本次核对未作任何改动，请联系平台技术支持`);
      if (err instanceof PlatformMalformedResponseError)
        throw new PlatformReadbackError(`医保平台对${what}的应答无法读取（${err.message}）。本次核对未作任何改动，请稍后重试`);
      if (err instanceof PlatformError) throw new PlatformReadbackError(`${what}未能完成：${err.userMessage}。本次核对未作任何改动`);
      throw err;
    }
    // Checked against the output table by the client already (a bad answer is the PlatformOutputSpecError above).
    return (outputRows(output) ?? []) as Rec[];
  }
}
