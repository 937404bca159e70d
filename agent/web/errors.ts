// The web layer's one error handler (DESIGN 3: errors mapped once) and its own wording of request-schema
// errors: API callers send JSON, so a 400 speaks of JSON types (数组, 对象), never of YAML lines as the config
// loader's messages do.
import type { ErrorObject } from 'ajv';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../common/app-error.js';
import { problemsPerKey } from '../../common/schema-problems.js';

const JSON_TYPES: Record<string, string> = {
  object: '对象',
  array: '数组',
  string: '字符串',
  integer: '整数',
  number: '数字',
  boolean: 'true 或 false',
  null: 'null',
};

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return '数组';
  if (typeof value === 'object') return '对象';
  if (typeof value === 'string') return '字符串';
  if (typeof value === 'boolean') return '布尔值';
  if (typeof value === 'number') return Number.isInteger(value) ? '整数' : '数字';
  return typeof value;
}

function typeText(t: unknown): string {
  const list = Array.isArray(t) ? t : [t];
  return list.map((x) => JSON_TYPES[String(x)] ?? String(x)).join('或');
}

function problemText(e: ErrorObject): string {
  const s = (e.parentSchema ?? {}) as Record<string, unknown>;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'type':
      return `应为${typeText(s.type ?? p.type)}，收到${jsonType(e.data)}`;
    case 'enum':
      return `应为 ${(Array.isArray(s.enum) ? s.enum : []).map((v) => JSON.stringify(v)).join('、')} 之一`;
    case 'minLength':
      return s.minLength === 1 ? '不能为空' : `至少 ${String(s.minLength)} 个字符`;
    case 'maxLength':
      return `最多 ${String(s.maxLength)} 个字符`;
    case 'pattern':
      return '格式不正确';
    case 'minimum':
      return `不能小于 ${String(s.minimum)}`;
    case 'maximum':
      return `不能大于 ${String(s.maximum)}`;
    case 'minItems':
      return `至少 ${String(s.minItems)} 项`;
    case 'maxItems':
      return `最多 ${String(s.maxItems)} 项`;
    case 'const':
      return `应为 ${JSON.stringify(s.const)}`;
    case 'format':
      return `应为 ${String(p.format)} 格式`;
    default:
      return `不符合要求（${e.keyword}）`;
  }
}

const ROOT: Record<string, string> = { body: '请求体', querystring: '查询参数', params: '路径参数' };

/**
 * One line per field, `field: what is wrong`, in the order Ajv first reported each field. A missing field
 * keeps the word `required` beside its Chinese reason: integrations match on `lines[0].lot: required`.
 */
export function formatRequestErrors(errors: readonly ErrorObject[], context = ''): string[] {
  return problemsPerKey(errors, {
    required: 'required（缺少必填字段）',
    unknownKey: '不认识的字段，请删除',
    root: ROOT[context] ?? '(顶层)',
    describe: problemText,
  });
}

/** Fastify's own request errors, in words a caller can act on. */
const FASTIFY_ERRORS: Record<string, (e: FastifyError) => string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: () => '请求格式错误：请求体不是合法的 JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: () => '请求格式错误：Content-Type 为 application/json 但请求体为空',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => '请求格式错误：不支持的 Content-Type，请以 application/json 发送',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => '请求格式错误：Content-Length 与实际内容不符',
  FST_ERR_CTP_INVALID_TYPE: () => '请求格式错误：Content-Type 无效',
};

/** The body limit of a route, as people read it (`64 KB`, `32 MB`). */
export function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MB` : `${Math.round(bytes / 1024)} KB`;
}

export function errorHandler(log: { error(o: unknown, msg?: string): void }) {
  return async (err: FastifyError & { validation?: unknown }, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    if (err instanceof AppError) return reply.code(err.statusCode).send(err.body());
    if (Array.isArray(err.validation)) {
      const problems = formatRequestErrors(err.validation as ErrorObject[], err.validationContext);
      return reply.code(400).send({ errors: problems.map((p) => ({ code: 'BAD_REQUEST', message: `请求格式错误：${p}` })) });
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const limit = req.routeOptions.bodyLimit;
      return reply.code(413).send({ errors: [{ code: 'BODY_TOO_LARGE', message: `请求内容过大（上限 ${sizeText(limit)}）：请分批提交` }] });
    }
    const known = err.code ? FASTIFY_ERRORS[err.code] : undefined;
    if (known) return reply.code(err.statusCode ?? 400).send({ errors: [{ code: 'BAD_REQUEST', message: known(err) }] });
    if (err instanceof SyntaxError) return reply.code(400).send({ errors: [{ code: 'BAD_REQUEST', message: '请求格式错误：请求体不是合法的 JSON' }] });
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) {
      log.error({ err }, 'request failed');
      return reply.code(500).send({ errors: [{ code: 'INTERNAL', message: '内部错误：请联系技术员查看日志' }] });
    }
    return reply.code(status).send({ errors: [{ code: 'BAD_REQUEST', message: err.message }] });
  };
}
