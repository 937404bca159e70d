// Reading a request's `input` on the platform side: every missing or malformed field becomes a
// business refusal (infcode -1) with a Chinese message naming the field.
import { yuanToFen } from '../../common/money.js';

/** Thrown by handlers: answered as infcode (default -1) with err_msg. Any state change is rolled back. */
export class SimRefusal extends Error {
  constructor(
    readonly errMsg: string,
    readonly infcode = -1,
  ) {
    super(errMsg);
  }
}

export type Rec = Record<string, unknown>;

export function refuse(errMsg: string): never {
  throw new SimRefusal(errMsg);
}

export function obj(v: unknown, path: string): Rec {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) refuse(`入参错误：缺少对象 ${path}`);
  return v as Rec;
}

export function str(v: unknown, path: string): string {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string' || v.trim() === '') refuse(`入参错误：缺少字段 ${path}`);
  return v;
}

export function optStr(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function list(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) refuse(`入参错误：${path} 应为列表`);
  return v;
}

export function oneOf<T extends string>(v: unknown, allowed: readonly T[], path: string): T {
  const s = str(v, path);
  if (!(allowed as readonly string[]).includes(s)) refuse(`入参错误：${path} 取值应为 ${allowed.join('/')}，收到 ${s}`);
  return s as T;
}

/** Yuan at the wire → integer fen. */
export function money(v: unknown, path: string): number {
  if (typeof v !== 'string' && typeof v !== 'number') refuse(`入参错误：缺少金额字段 ${path}`);
  try {
    return yuanToFen(v);
  } catch {
    return refuse(`入参错误：${path} 金额格式不正确（应为最多两位小数的元），收到 ${JSON.stringify(v)}`);
  }
}

/** A quantity that must be a positive whole number of pieces ("2", 2, "2.00"). */
export function pieces(v: unknown, path: string): number {
  const text = typeof v === 'number' ? String(v) : typeof v === 'string' ? v : '';
  const m = /^(\d+)(?:\.0+)?$/.exec(text);
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) refuse(`入参错误：${path} 数量应为正整数（最小包装单位），收到 ${JSON.stringify(v)}`);
  return n;
}
