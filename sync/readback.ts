// The platform side of 平台核对 (agent/reconciliation/platform-port.ts): 3512 入库药品追溯信息查询 and 3513 销售
// 药品追溯信息查询 for one day, each answer checked against the national output table (sync/spec/queries.ts)
// and turned into the port's records. Any failure is a PlatformReadbackError naming what failed; the caller
// changes nothing then.
import { type HeldRecord, type PlatformDay, PlatformReadbackError, type PlatformReadbackPort } from '../agent/reconciliation/platform-port.js';
import type { PlatformClient } from './client.js';
import { PlatformError, PlatformMalformedResponseError, PlatformOutputSpecError, PlatformRejectedError } from './errors.js';
import { describeProblems, SPECS, validateOutput } from './spec/index.js';

type Rec = Record<string, unknown>;

/** Anonymous query person type (3513 psn_cert_type is 必填 in the source; see sync/spec/queries.ts). */
const ANY_PERSON_CERT_TYPE = '99';

/** finl_trns_pric (yuan, ≤ 6 decimals) × count → fen, exactly (BigInt), rounded half up. */
export function amountFen(price: unknown, count: number): number | null {
  if (price === undefined || price === null || price === '') return null;
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(String(price));
  if (!m) return null;
  const micro = BigInt(m[1]!) * 1_000_000n + BigInt((m[2] ?? '').padEnd(6, '0'));
  const fen = (micro * BigInt(count) + 5_000n) / 10_000n;
  return Number(fen);
}

function wholePieces(v: unknown): number {
  const m = /^(\d+)(?:\.0+)?$/.exec(String(v));
  return m ? Number(m[1]) : Number.NaN;
}

function held(r: Rec, countField: string): HeldRecord {
  const pieces = wholePieces(r[countField]);
  const trace = Array.isArray(r['drugtracinfo']) ? (r['drugtracinfo'] as Rec[]) : [];
  return {
    bchno: String(r['fixmedins_bchno']),
    code: String(r['med_list_codg']),
    name: typeof r['fixmedins_hilist_name'] === 'string' ? r['fixmedins_hilist_name'] : null,
    pieces,
    amountFen: Number.isNaN(pieces) ? null : amountFen(r['finl_trns_pric'], pieces),
    codes: trace.map((t) => String(t['drug_trac_codg'])).sort(),
  };
}

export class PlatformReadback implements PlatformReadbackPort {
  constructor(
    private readonly client: PlatformClient,
    private readonly fixmedinsCode: string,
  ) {}

  async readDay(date: string): Promise<PlatformDay> {
    const query = { fixmedins_code: this.fixmedinsCode, begndate: date, enddate: date };
    // Receipts first, then sales: a failure of either is the whole read-back's failure (nothing half-compared).
    const receipts = await this.query('3512', { data: query }, 'purc_retn_cnt');
    const sales = await this.query('3513', { data: { ...query, psn_cert_type: ANY_PERSON_CERT_TYPE } }, 'sel_retn_cnt');
    return { date, receipts, sales };
  }

  private async query(infno: '3512' | '3513', input: unknown, countField: string): Promise<HeldRecord[]> {
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
    const problems = validateOutput(infno, output);
    if (problems.length > 0)
      throw new PlatformReadbackError(
        `医保平台对${what}的应答不符合接口规范：${describeProblems(infno, problems.slice(0, 3))}。本次核对未作任何改动，请联系平台技术支持`,
      );
    const records = (output as { data: Rec[] }).data.map((r) => held(r, countField));
    const bad = records.find((r) => Number.isNaN(r.pieces));
    if (bad) throw new PlatformReadbackError(`医保平台对${what}的应答中批次 ${bad.bchno} 的数量不是整数件。本次核对未作任何改动，请联系平台技术支持`);
    return records;
  }
}
