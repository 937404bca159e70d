// The NHSA message envelope (DESIGN 5): every request wraps `input` in the same header fields,
// every response wraps `output` with `infcode` (0 = success). Field names are the national ones.
import { formatShanghaiDateTime } from '../common/time.js';

/** Header fields every request carries, in the order the national specification lists them. */
export const REQUEST_FIELDS = [
  'infno',
  'msgid',
  'mdtrtarea_admvs',
  'insuplc_admdvs',
  'recer_sys_code',
  'dev_no',
  'dev_safe_info',
  'cainfo',
  'signtype',
  'infver',
  'opter_type',
  'opter',
  'opter_name',
  'inf_time',
  'fixmedins_code',
  'fixmedins_name',
  'sign_no',
] as const;

export type RequestField = (typeof REQUEST_FIELDS)[number];

/** Interface version we speak. */
export const INFVER = 'V1.0';
/** opter_type 1 = 经办人 (a person at the counter); 2 self-service terminal; 3 mobile. */
export const OPTER_TYPE_STAFF = '1';

export type RequestEnvelope = Record<RequestField, string> & {
  /** Plain object, or the SM4 ciphertext (hex) when enc_type is "SM4". */
  input: unknown;
  enc_type?: 'SM4';
};

export interface ResponseEnvelope {
  infcode: number;
  inf_refmsgid: string;
  refmsg_time: string;
  respond_time: string;
  err_msg: string | null;
  output: unknown;
  /** Optional response signing/encryption, mirroring the request. */
  signtype?: string;
  cainfo?: string;
  enc_type?: string;
}

/** Who is sending: fixed per box (from config) except the operator, which may change per call. */
export interface EnvelopeContext {
  fixmedinsCode: string;
  fixmedinsName: string;
  mdtrtareaAdmvs: string;
  insuplcAdmdvs: string;
  recerSysCode: string;
  devNo: string;
  devSafeInfo?: string;
  operator: { code: string; name: string };
}

export interface EnvelopeParams {
  infno: string;
  msgid: string;
  signNo: string;
  input: unknown;
  now: Date;
}

/** An unsigned request; signing.ts fills `cainfo`/`signtype` (and encrypts) when configured. */
export function buildRequestEnvelope(ctx: EnvelopeContext, p: EnvelopeParams): RequestEnvelope {
  return {
    infno: p.infno,
    msgid: p.msgid,
    mdtrtarea_admvs: ctx.mdtrtareaAdmvs,
    insuplc_admdvs: ctx.insuplcAdmdvs,
    recer_sys_code: ctx.recerSysCode,
    dev_no: ctx.devNo,
    dev_safe_info: ctx.devSafeInfo ?? '',
    cainfo: '',
    signtype: '',
    infver: INFVER,
    opter_type: OPTER_TYPE_STAFF,
    opter: ctx.operator.code,
    opter_name: ctx.operator.name,
    inf_time: formatShanghaiDateTime(p.now),
    fixmedins_code: ctx.fixmedinsCode,
    fixmedins_name: ctx.fixmedinsName,
    sign_no: p.signNo,
    input: p.input,
  };
}

export type ParsedResponse = { ok: true; envelope: ResponseEnvelope } | { ok: false; reason: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses a response body defensively: any text at all yields either an envelope or a reason.
 * `infcode` may arrive as a number or a numeric string (some provinces quote it).
 */
export function parseResponseEnvelope(body: string): ParsedResponse {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    const head = body.trimStart().slice(0, 40);
    return { ok: false, reason: `response is not JSON (starts with ${JSON.stringify(head)})` };
  }
  if (!isRecord(json)) return { ok: false, reason: 'response JSON is not an object' };
  const raw = json['infcode'];
  let infcode: number;
  if (typeof raw === 'number' && Number.isInteger(raw)) infcode = raw;
  else if (typeof raw === 'string' && /^-?\d+$/.test(raw)) infcode = Number(raw);
  else return { ok: false, reason: 'response has no integer infcode' };
  const str = (k: string): string => (typeof json[k] === 'string' ? (json[k] as string) : '');
  const errMsg = json['err_msg'];
  const envelope: ResponseEnvelope = {
    infcode,
    inf_refmsgid: str('inf_refmsgid'),
    refmsg_time: str('refmsg_time'),
    respond_time: str('respond_time'),
    err_msg: typeof errMsg === 'string' ? errMsg : null,
    output: json['output'] ?? null,
  };
  if (typeof json['signtype'] === 'string') envelope.signtype = json['signtype'];
  if (typeof json['cainfo'] === 'string') envelope.cainfo = json['cainfo'];
  if (typeof json['enc_type'] === 'string') envelope.enc_type = json['enc_type'];
  return { ok: true, envelope };
}
