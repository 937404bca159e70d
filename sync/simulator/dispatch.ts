// One request body in, one response body out: envelope checks, signature, msgid replay, sign_no,
// then the interface handler inside a single SQLite transaction.

import { formatShanghaiCompact, formatShanghaiDateTime } from '../../common/time.js';
import type { ResponseEnvelope } from '../envelope.js';
import { describeProblems, type Profile, validateInput } from '../spec/index.js';
import { suspiciousItems } from './audit.js';
import type { SimDb } from './db.js';
import { checkEnvelope } from './envelope-check.js';
import type { Handler } from './handler.js';
import { decodeEVoucher, isSignNoValid, personInfo, signIn } from './handlers-basic.js';
import { SimRefusal } from './input.js';
import { inboundTraceQuery, saleTraceQuery } from './queries.js';
import { openRequest, type SimulatorSigning, sealResponse } from './security.js';
import { preSettle, reverseByMsgid, reverseSettlement, settle } from './settlement.js';
import { deleteRecord, uploadRecord } from './uploads.js';

const HANDLERS: Readonly<Record<string, Handler>> = {
  '9001': signIn,
  '1101': personInfo,
  '1161': decodeEVoucher,
  '2101': preSettle,
  '2102': settle,
  '2103': reverseSettlement,
  '2601': reverseByMsgid,
  '3501': uploadRecord,
  '3502': uploadRecord,
  '3503': uploadRecord,
  '3504': uploadRecord,
  '3505': uploadRecord,
  '3506': uploadRecord,
  '3507': deleteRecord,
  '3512': inboundTraceQuery,
  '3513': saleTraceQuery,
  '3601': suspiciousItems,
};

/**
 * Calls that change state: their response is stored and a repeated msgid gets it back verbatim
 * (how a box learns the fate of a 2102 whose answer was lost). Queries simply run again.
 */
export const NON_IDEMPOTENT: ReadonlySet<string> = new Set(['2102', '2103', '2601', '3501', '3502', '3503', '3504', '3505', '3506', '3507']);

export interface SimState {
  db: SimDb;
  clock: () => Date;
  signing: SimulatorSigning;
  refSeq: number;
  /** The province variant this platform speaks (its tables are the national ones renamed). */
  profile: Profile;
  /** Answer only what the national outputs carry (2103/2601 with an empty output): what a real platform owes. */
  nationalOutputs: boolean;
  /** 3501–3506 answered infcode 0 with result.retRslt "0" and this msgRslt (a platform refusing records). */
  uploadRefusal?: string | undefined;
}

const NATIONAL_EMPTY_OUTPUT: ReadonlySet<string> = new Set(['2103', '2601']);

export interface DispatchResult {
  status: number;
  body: string;
}

export async function dispatch(state: SimState, rawBody: string): Promise<DispatchResult> {
  const { db } = state;
  const received = state.clock();
  const reply = (infcode: number, errMsg: string, output: unknown): ResponseEnvelope => {
    const respondAt = state.clock();
    return {
      infcode,
      inf_refmsgid: `SIM${formatShanghaiCompact(respondAt)}${String(++state.refSeq).padStart(8, '0')}`,
      refmsg_time: formatShanghaiDateTime(received),
      respond_time: formatShanghaiDateTime(respondAt),
      err_msg: errMsg,
      output,
    };
  };
  const send = (r: ResponseEnvelope): DispatchResult => ({ status: 200, body: JSON.stringify(r) });

  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    return send(reply(-1, '报文格式错误：请求体不是合法的JSON', null));
  }
  const checked = checkEnvelope(json, db);
  if (!checked.ok) return send(reply(-1, checked.errMsg, null));
  const { env, store } = checked;
  const opened = await openRequest(env, state.signing, rawBody);
  if (!opened.ok) return send(reply(-1, opened.errMsg, null));

  const prior = db.prepare<[string], { infno: string; response: string }>('SELECT infno, response FROM messages WHERE msgid = ?').get(env.msgid);
  if (prior) {
    if (prior.infno !== env.infno) return send(reply(-1, `报文ID重复：该msgid已用于交易${prior.infno}`, null));
    return { status: 200, body: await sealResponse(JSON.parse(prior.response) as ResponseEnvelope, state.signing, opened) };
  }
  if (env.infno !== '9001' && !isSignNoValid(db, env.sign_no, store.fixmedins_code, received)) {
    return send(reply(-2, '签到编号无效或已过期，请重新签到（9001）后再试', null));
  }

  const handler = HANDLERS[env.infno]!;
  const remember = db.prepare('INSERT INTO messages (msgid, infno, fixmedins_code, received_at, infcode, response) VALUES (?, ?, ?, ?, ?, ?)');
  const storeReply = (r: ResponseEnvelope): void => {
    if (NON_IDEMPOTENT.has(env.infno)) remember.run(env.msgid, env.infno, store.fixmedins_code, received.toISOString(), r.infcode, JSON.stringify(r));
  };
  // Every message is checked against its interface table first, as a real platform does: the first
  // problems named in err_msg (e.g. "3505 selinfo.phar_prac_cert_no 缺失（药师执业资格证号）").
  const problems = validateInput(env.infno, opened.input, state.profile);
  if (problems.length > 0) {
    // Missing fields keep the platform's long-standing wording (入参错误：缺少字段 <path>); other problems name the
    // Chinese field (describeProblems).
    const missing = problems.filter((p) => p.problem === '缺失').map((p) => `缺少字段 ${p.path}`);
    const other = problems.filter((p) => p.problem !== '缺失');
    const r = reply(-1, `入参错误：${[...missing, ...(other.length ? [describeProblems(env.infno, other)] : [])].slice(0, 5).join('；')}`, null);
    storeReply(r);
    return { status: 200, body: await sealResponse(r, state.signing, opened) };
  }
  if (state.uploadRefusal !== undefined && /^350[1-6]$/.test(env.infno)) {
    return { status: 200, body: await sealResponse(reply(0, '', { result: { retRslt: '0', msgRslt: state.uploadRefusal } }), state.signing, opened) };
  }
  let response: ResponseEnvelope;
  try {
    response = db.transaction(() => {
      const out = handler({ db, env, input: opened.input, now: received, store });
      const r = reply(0, '', state.nationalOutputs && NATIONAL_EMPTY_OUTPUT.has(env.infno) ? null : out);
      storeReply(r); // same transaction: the stored answer exists iff the effect does
      return r;
    })();
  } catch (err) {
    if (!(err instanceof SimRefusal)) throw err;
    response = reply(err.infcode, err.errMsg, null);
    storeReply(response);
  }
  return { status: 200, body: await sealResponse(response, state.signing, opened) };
}
