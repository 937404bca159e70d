import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type pg from 'pg';
import { conflictsOf, lookupCode } from './code-index.js';
import { authenticateStore, exchangeEnrolCode, STORE_ID_PATTERN } from './enrolment.js';
import { joinablePayload } from './event-store.js';
import { ingestBatch, storeHead, type WireEvent } from './ingest.js';
import { hqPageRoutes } from './page-routes.js';
import { transferRoutes } from './transfers.js';

export interface HqServerOptions {
  pool: pg.Pool;
  /** SHA-256 (hex) of the chain admins' API tokens (GET /hq/v1/stores). */
  adminTokenSha256: readonly string[];
  https?: { key: Buffer; cert: Buffer };
  /**
   * Addresses (or CIDR ranges) of the reverse proxy in front of HQ: from them, X-Forwarded-For names the client, so
   * the sign-in lockout counts each browser's address and not the proxy's (which would lock every user out at once).
   */
  trustProxy?: readonly string[];
  log?: { warn: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void };
}

/** Most events a box may send in one request (a box sends 500). */
export const MAX_BATCH = 2000;

const hex64 = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const nullableText = { type: ['string', 'null'] };
const eventSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['seq', 'at', 'type', 'actor', 'reason', 'payload', 'prev_hash', 'hash'],
  properties: {
    seq: { type: 'integer', minimum: 1 },
    at: { type: 'string' },
    type: { type: 'string', minLength: 1 },
    actor: nullableText,
    reason: nullableText,
    payload: { type: 'string' },
    prev_hash: hex64,
    hash: hex64,
  },
};
const headSchema = { type: 'object', properties: { seq: { type: 'integer' }, hash: { type: 'string' } } };
const flagSchema = {
  type: ['object', 'null'],
  properties: { code: { type: 'string' }, seq: { type: 'integer' }, detail: { type: 'string' }, at: { type: 'string' } },
};
const errorSchema = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    expectedSeq: { type: 'integer' },
    accepted: { type: 'integer' },
    head: headSchema,
    flag: flagSchema,
  },
};

const sha256hex = (s: string): string => createHash('sha256').update(s).digest('hex');

function bearer(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  return h && h.startsWith('Bearer ') ? h.slice(7).trim() : null;
}

export async function buildHqServer(opts: HqServerOptions): Promise<FastifyInstance> {
  const { pool } = opts;
  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024 * 1024,
    ...(opts.https ? { https: opts.https } : {}),
    ...(opts.trustProxy?.length ? { trustProxy: [...opts.trustProxy] } : {}),
  });
  const adminHashes = opts.adminTokenSha256.map((h) => Buffer.from(h.toLowerCase(), 'hex'));
  const isAdmin = (token: string | null): boolean => {
    if (!token) return false;
    const h = Buffer.from(sha256hex(token), 'hex');
    return adminHashes.some((a) => a.length === h.length && timingSafeEqual(a, h));
  };
  const refuse = (reply: FastifyReply, status: number, error: string, message: string, extra: object = {}) =>
    reply.code(status).send({ error, message, ...extra });
  const storeOf = async (req: FastifyRequest, reply: FastifyReply): Promise<string | null> => {
    const token = bearer(req);
    const store = token ? await authenticateStore(pool, token) : null;
    if (!store) refuse(reply, 401, 'CREDENTIAL_INVALID', '门店凭证无效或已被总部吊销：请联系总部重新签发注册码并重新注册本店');
    return store;
  };

  app.setErrorHandler(async (err: { validation?: unknown; statusCode?: number; message: string; code?: string }, _req, reply) => {
    if (Array.isArray(err.validation)) return refuse(reply, 400, 'BAD_REQUEST', `请求格式错误：${err.message}`);
    if (err.statusCode && err.statusCode < 500) return refuse(reply, err.statusCode, 'BAD_REQUEST', `请求错误：${err.message}`);
    // Database down or restarting: the box retries; nothing was committed.
    opts.log?.error({ err: err.message, code: err.code }, 'HQ request failed');
    return refuse(reply, 503, 'HQ_UNAVAILABLE', '总部服务暂时不可用，稍后自动重试');
  });

  app.post<{ Body: { store: string; code: string } }>(
    '/hq/v1/enrol',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['store', 'code'],
          properties: { store: { type: 'string', pattern: STORE_ID_PATTERN.source }, code: { type: 'string', minLength: 4, maxLength: 40 } },
        },
        response: { 201: { type: 'object', properties: { store: { type: 'string' }, credential: { type: 'string' } } }, 401: errorSchema },
      },
    },
    async (req, reply) => {
      const credential = await exchangeEnrolCode(pool, req.body.store, req.body.code);
      if (!credential) return refuse(reply, 401, 'ENROL_CODE_INVALID', '注册码无效、已使用或已过期：请总部管理员用 counter-agent hq enrol-code 重新签发');
      return reply.code(201).send({ store: req.body.store, credential });
    },
  );

  app.get(
    '/hq/v1/head',
    {
      schema: { response: { 200: { type: 'object', properties: { store: { type: 'string' }, head: headSchema, flag: flagSchema } }, 401: errorSchema } },
    },
    async (req, reply) => {
      const store = await storeOf(req, reply);
      if (!store) return reply;
      const h = await storeHead(pool, store);
      return { store, head: h?.head ?? { seq: 0, hash: '' }, flag: h?.flag ?? null };
    },
  );

  // The events route in a Fastify scope of its own (app.register below), so its body parser applies to it alone.
  const eventsRoute = async (scope: FastifyInstance): Promise<void> => {
    // Fastify's JSON parser scans every body for "__proto__" and "constructor" keys before parsing (secure-json-parse):
    // two regular expressions over half a megabyte of two-byte text per batch, 5 % of HQ's CPU at ingest (perf). This
    // body is read field by field as the schema names them (additionalProperties: false) and never merged into another
    // object, so such a key could pollute nothing: the events route takes the parser without the scan.
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, scope.getDefaultJsonParser('ignore', 'ignore'));
    scope.post<{ Body: { events: WireEvent[] } }>(
      '/hq/v1/events',
      {
        schema: {
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['events'],
            properties: { events: { type: 'array', maxItems: MAX_BATCH, items: eventSchema } },
          },
          response: {
            200: { type: 'object', properties: { accepted: { type: 'integer' }, duplicates: { type: 'integer' }, head: headSchema } },
            400: errorSchema,
            401: errorSchema,
            409: errorSchema,
          },
        },
      },
      async (req, reply) => {
        const store = await storeOf(req, reply);
        if (!store) return reply;
        const events = req.body.events;
        for (let i = 0; i < events.length; i++) {
          const e = events[i] as WireEvent;
          // The hash covers `at` as written (toISOString); HQ stores a timestamptz, so only that form re-hashes exactly.
          const t = new Date(e.at);
          if (Number.isNaN(t.getTime()) || t.toISOString() !== e.at)
            return refuse(reply, 400, 'BAD_REQUEST', `请求格式错误：事件 ${e.seq} 的时间 ${e.at} 不是 ISO 8601 UTC 格式`);
          if (i > 0 && e.seq <= (events[i - 1] as WireEvent).seq) return refuse(reply, 400, 'BAD_REQUEST', '请求格式错误：事件须按序号递增排列');
          if (!joinablePayload(e.payload))
            return refuse(reply, 400, 'BAD_REQUEST', `请求格式错误：事件 ${e.seq} 的内容为空或含未转义的控制字符，不是账本写出的 JSON`);
        }
        const r = await ingestBatch(pool, store, events, new Date(), (err) =>
          opts.log?.error({ store, err: err.message }, 'cross-store code check failed; left pending, redone by the next batch or at start'),
        );
        switch (r.kind) {
          case 'ok':
            return { accepted: r.accepted, duplicates: r.duplicates, head: r.head };
          case 'out_of_order':
            return refuse(reply, 409, 'OUT_OF_ORDER', `事件序号不连续：总部需要从第 ${r.expectedSeq} 条开始`, { expectedSeq: r.expectedSeq, head: r.head });
          case 'flagged':
            return refuse(reply, 409, 'STORE_FLAGGED', `本店账本链在第 ${r.flag.seq} 条被总部标记为异常，已暂停接收：请联系总部核查`, {
              flag: r.flag,
              head: r.head,
            });
          case 'broken':
            opts.log?.warn({ store, flag: r.flag }, 'store chain broken; store flagged');
            return refuse(reply, 409, 'CHAIN_BROKEN', `本店账本链在第 ${r.flag.seq} 条与总部记录不符（${r.flag.code}），已标记并暂停接收：请联系总部核查`, {
              flag: r.flag,
              head: r.head,
              accepted: r.accepted,
            });
        }
      },
    );
  };
  await app.register(eventsRoute);

  app.get<{ Params: { code: string } }>(
    '/hq/v1/codes/:code',
    {
      schema: {
        params: { type: 'object', properties: { code: { type: 'string', minLength: 1, maxLength: 200 } } },
        response: {
          200: {
            type: 'object',
            properties: {
              code: { type: 'string' },
              soldNotReturned: { type: 'boolean' },
              conflicted: { type: 'boolean' },
              lastReceived: { type: ['object', 'null'], properties: { store: { type: 'string' }, at: { type: 'string' } } },
              lastSold: { type: ['object', 'null'], properties: { store: { type: 'string' }, at: { type: 'string' } } },
              soldAt: { type: 'array', items: { type: 'object', properties: { store: { type: 'string' }, storeName: nullableText, at: { type: 'string' } } } },
              // On a transfer between stores not yet received (hq/transfers.ts): neither store may sell it.
              inTransit: {
                type: ['object', 'null'],
                properties: { from: { type: 'string' }, to: { type: 'string' }, transferId: { type: 'string' }, since: { type: 'string' } },
              },
              stores: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    store: { type: 'string' },
                    storeName: nullableText,
                    receivedAt: nullableText,
                    soldAt: nullableText,
                    returnedAt: nullableText,
                    writtenOffAt: nullableText,
                    soldNotReturned: { type: 'boolean' },
                  },
                },
              },
            },
          },
          401: errorSchema,
        },
      },
    },
    async (req, reply) => {
      if (!isAdmin(bearer(req)) && !(await storeOf(req, reply))) return reply;
      return lookupCode(pool, req.params.code);
    },
  );

  await transferRoutes(app, { pool, storeOf, isAdmin: (req) => isAdmin(bearer(req)), refuse });

  // A store's own conflicts (the same box out here and at another store), after its cursor: each box raises the
  // manager alarm from these, so the store that sold first learns of the second sale too.
  app.get<{ Querystring: { after?: number } }>(
    '/hq/v1/conflicts',
    {
      schema: {
        querystring: { type: 'object', additionalProperties: false, properties: { after: { type: 'integer', minimum: 0 } } },
        response: {
          200: {
            type: 'object',
            properties: {
              conflicts: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'integer' },
                    code: { type: 'string' },
                    otherStore: { type: 'string' },
                    otherStoreName: nullableText,
                    soldAt: nullableText,
                    otherSoldAt: nullableText,
                    detectedAt: { type: 'string' },
                  },
                },
              },
            },
          },
          401: errorSchema,
        },
      },
    },
    async (req, reply) => {
      const store = await storeOf(req, reply);
      if (!store) return reply;
      return { conflicts: await conflictsOf(pool, store, req.query.after ?? 0) };
    },
  );

  app.get(
    '/hq/v1/stores',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            properties: {
              stores: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    store: { type: 'string' },
                    name: nullableText,
                    head: headSchema,
                    headAt: nullableText,
                    lastContactAt: nullableText,
                    credentials: { type: 'integer' },
                    flag: flagSchema,
                  },
                },
              },
            },
          },
          401: errorSchema,
        },
      },
    },
    async (req, reply) => {
      if (!isAdmin(bearer(req))) return refuse(reply, 401, 'ADMIN_TOKEN_INVALID', '需要总部管理员令牌（Authorization: Bearer <token>）');
      const { rows } = await pool.query<{
        store_id: string;
        name: string | null;
        head_seq: string;
        head_hash: Buffer;
        head_at: Date | null;
        last_contact_at: Date | null;
        flag_code: string | null;
        flag_seq: string | null;
        flag_detail: string | null;
        flagged_at: Date | null;
        credentials: string;
      }>(
        `SELECT s.*, (SELECT count(*) FROM credentials c WHERE c.store_id = s.store_id AND c.revoked_at IS NULL) AS credentials FROM stores s ORDER BY s.store_id`,
      );
      return {
        stores: rows.map((r) => ({
          store: r.store_id,
          name: r.name,
          head: { seq: Number(r.head_seq), hash: r.head_hash.toString('hex') },
          headAt: r.head_at?.toISOString() ?? null,
          lastContactAt: r.last_contact_at?.toISOString() ?? null,
          credentials: Number(r.credentials),
          flag: r.flag_code ? { code: r.flag_code, seq: Number(r.flag_seq), detail: r.flag_detail ?? '', at: r.flagged_at?.toISOString() ?? '' } : null,
        })),
      };
    },
  );

  await app.register(hqPageRoutes, { pool, isAdmin, secure: Boolean(opts.https) });
  return app;
}
