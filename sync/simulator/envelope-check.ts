// Platform-side validation of a request envelope, before anything else is looked at.

import { parseShanghaiDateTime } from '../../common/time.js';
import { REQUEST_FIELDS, type RequestEnvelope } from '../envelope.js';
import { ALL_INFNOS } from '../interfaces.js';
import { parseMsgid } from '../msgid.js';
import type { SimDb } from './db.js';

/** Fields that must not be empty; the rest (dev_safe_info, cainfo, signtype, sign_no, ...) may be "". */
const NON_EMPTY = new Set<string>([
  'infno',
  'msgid',
  'mdtrtarea_admvs',
  'recer_sys_code',
  'infver',
  'opter_type',
  'opter',
  'opter_name',
  'inf_time',
  'fixmedins_code',
  'fixmedins_name',
]);

export interface StoreRow {
  fixmedins_code: string;
  name: string;
  admdvs: string;
}

export type EnvelopeCheck = { ok: true; env: RequestEnvelope; store: StoreRow } | { ok: false; errMsg: string };

export function checkEnvelope(body: unknown, db: SimDb): EnvelopeCheck {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, errMsg: '报文格式错误：请求体应为JSON对象' };
  const b = body as Record<string, unknown>;
  for (const f of REQUEST_FIELDS) {
    const v = b[f];
    if (typeof v !== 'string') return { ok: false, errMsg: `报文缺少必填字段：${f}` };
    if (NON_EMPTY.has(f) && v.trim() === '') return { ok: false, errMsg: `报文必填字段为空：${f}` };
  }
  if (!('input' in b) || b['input'] === null || b['input'] === undefined) return { ok: false, errMsg: '报文缺少必填字段：input' };
  const encType = b['enc_type'];
  if (encType !== undefined && encType !== '' && encType !== 'SM4') return { ok: false, errMsg: `不支持的加密类型：${String(encType)}` };
  const encrypted = encType === 'SM4';
  if (encrypted ? typeof b['input'] !== 'string' : typeof b['input'] !== 'object' || Array.isArray(b['input'])) {
    return { ok: false, errMsg: encrypted ? '报文格式错误：加密报文的input应为密文字符串' : '报文格式错误：input应为JSON对象' };
  }
  const env = b as RequestEnvelope;
  if (!(ALL_INFNOS as readonly string[]).includes(env.infno)) return { ok: false, errMsg: `不支持的交易编号：${env.infno}` };
  const store = db.prepare<[string], StoreRow>('SELECT fixmedins_code, name, admdvs FROM stores WHERE fixmedins_code = ?').get(env.fixmedins_code);
  if (!store) return { ok: false, errMsg: `定点医药机构编码不存在：${env.fixmedins_code}` };
  if (env.msgid.length !== 30) return { ok: false, errMsg: `报文ID格式错误：应为30位（机构编码12位+时间14位+顺序号4位），收到${env.msgid.length}位` };
  const parsed = parseMsgid(env.msgid);
  if (!parsed) return { ok: false, errMsg: '报文ID格式错误：时间部分应为有效的yyyyMMddHHmmss，顺序号应为4位数字' };
  if (parsed.fixmedinsCode !== env.fixmedins_code) return { ok: false, errMsg: '报文ID格式错误：前12位应与定点医药机构编码一致' };
  if (!parseShanghaiDateTime(env.inf_time)) return { ok: false, errMsg: '交易时间格式错误：inf_time应为yyyy-MM-dd HH:mm:ss' };
  return { ok: true, env, store };
}
