// The HQ page (/hq/): its static files, sign-in, the data it shows (scoped to the viewer's stores), and the boxes'
// status heartbeat (POST /hq/v1/status) that feeds its 门店 table. The page is plain HTML/JS/CSS served from
// hq/pages (tsc copies none of it, so it is found from this module both as source and as dist).
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { readCookie, sameOrigin } from '../agent/web/auth.js';
import { shanghaiDate } from '../common/time.js';
import { authenticateStore } from './enrolment.js';
import { codeFlags, insuredAcrossStores, type Scope, salesView, stockView, storeRows } from './page-queries.js';
import { type HqUser, login, logout, SESSION_MS, sessionUser } from './users.js';

export interface HqPageOptions {
  pool: pg.Pool;
  /** The chain admins' API bearer tokens (they read the page's data with chain-admin scope). */
  isAdmin: (token: string | null) => boolean;
  /** Session cookies marked Secure (HQ serves HTTPS). */
  secure: boolean;
}

export const HQ_SESSION_COOKIE = 'hq_session';
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

function pagesDir(): string | undefined {
  for (const root of [new URL('./pages/', import.meta.url), new URL('../../hq/pages/', import.meta.url)]) {
    const dir = fileURLToPath(root);
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

const DATE = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' };
const rangeQuery = { type: 'object', additionalProperties: false, properties: { from: DATE, to: DATE } };
const statusBody = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'localSeq'],
  properties: {
    version: { type: 'string', maxLength: 40 },
    localSeq: { type: 'integer', minimum: 0 },
    oldestUnsentAt: { type: ['string', 'null'], format: 'date-time' },
    outbox: {
      type: 'object',
      additionalProperties: false,
      properties: {
        backlog: { type: 'integer', minimum: 0 },
        failed: { type: 'integer', minimum: 0 },
        oldestPendingAgeSeconds: { type: ['integer', 'null'], minimum: 0 },
      },
    },
    alarms: {
      type: 'array',
      maxItems: 50,
      items: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: { type: 'string', maxLength: 60 }, message: { type: 'string', maxLength: 500 } },
      },
    },
  },
};

export interface BoxStatusBody {
  version: string;
  localSeq: number;
  oldestUnsentAt?: string | null;
  outbox?: { backlog?: number; failed?: number; oldestPendingAgeSeconds?: number | null };
  alarms?: { code: string; message: string }[];
}

/** The last 7 Shanghai days unless the query says otherwise. */
function range(q: { from?: string; to?: string }, now: Date): { from: string; to: string } {
  const to = q.to ?? shanghaiDate(now);
  const from = q.from ?? shanghaiDate(new Date(Date.parse(`${to}T12:00:00+08:00`) - 6 * 86_400_000));
  return from <= to ? { from, to } : { from: to, to: from };
}

export async function hqPageRoutes(app: FastifyInstance, opts: HqPageOptions): Promise<void> {
  const { pool } = opts;
  const refuse = (reply: FastifyReply, status: number, error: string, message: string, extra: object = {}) =>
    reply.code(status).send({ error, message, ...extra });

  /** The viewer: a chain admin's bearer token, or a signed-in session. */
  const viewer = async (req: FastifyRequest): Promise<HqUser | null> => {
    const h = req.headers.authorization;
    if (h?.startsWith('Bearer ') && opts.isAdmin(h.slice(7).trim())) return { username: 'api', displayName: '总部接口', role: 'admin', stores: null };
    const token = readCookie(req.headers.cookie, HQ_SESSION_COOKIE);
    return token ? sessionUser(pool, token) : null;
  };
  const withViewer =
    <Q>(handler: (scope: Scope, q: Q, user: HqUser) => Promise<unknown>) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      const user = await viewer(req);
      if (!user) return refuse(reply, 401, 'UNAUTHENTICATED', '未登录或登录已过期：请重新登录总部页面');
      reply.header('cache-control', 'no-store');
      return handler(user.stores, req.query as Q, user);
    };

  // The page's files: listed once at start, so no request path reaches the file system.
  const dir = pagesDir();
  const files = new Map<string, string>();
  if (dir) for (const name of readdirSync(dir)) if (TYPES[extname(name)] && /^[a-z0-9-]+\.[a-z]+$/.test(name)) files.set(name, TYPES[extname(name)] as string);
  const serve = async (name: string, reply: FastifyReply) => {
    const type = files.get(name);
    if (!dir || !type) return refuse(reply, 404, 'NOT_FOUND', '没有这个页面文件');
    return reply
      .type(type)
      .header('cache-control', 'no-cache')
      .header('content-security-policy', "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
      .send(await readFile(join(dir, name)));
  };
  app.get('/hq', async (_req, reply) => reply.redirect('/hq/'));
  app.get('/hq/', async (_req, reply) => serve('index.html', reply));
  app.get<{ Params: { file: string } }>('/hq/:file', async (req, reply) => serve(req.params.file, reply));

  app.post<{ Body: { username: string; password: string } }>(
    '/hq/api/login',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['username', 'password'],
          properties: { username: { type: 'string', minLength: 1, maxLength: 60 }, password: { type: 'string', minLength: 1, maxLength: 200 } },
        },
      },
    },
    async (req, reply) => {
      // A browser always sends Origin on a cross-site POST: a sign-in from another site's form is refused.
      if (req.headers.origin && !sameOrigin(req)) return refuse(reply, 403, 'CSRF_ORIGIN', '请求来源与总部地址不符，已拒绝');
      const r = await login(pool, req.body.username, req.body.password, req.ip);
      if (!r.ok && r.reason === 'locked') {
        const minutes = Math.max(1, Math.ceil((r.retryAt.getTime() - Date.now()) / 60_000));
        return refuse(reply, 429, 'LOGIN_LOCKED', `登录失败次数过多，账号已暂时锁定：请 ${minutes} 分钟后再试，或联系总部管理员`, {
          retryAt: r.retryAt.toISOString(),
        });
      }
      if (!r.ok) return refuse(reply, 401, 'LOGIN_FAILED', '用户名或密码不正确：请重新输入');
      const cookie = `${HQ_SESSION_COOKIE}=${r.token}; Path=/hq; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MS / 1000}${opts.secure ? '; Secure' : ''}`;
      return reply.header('set-cookie', cookie).send({ user: r.user });
    },
  );
  app.post('/hq/api/logout', async (req, reply) => {
    if (!sameOrigin(req)) return refuse(reply, 403, 'CSRF_ORIGIN', '请求来源与总部地址不符，已拒绝');
    const token = readCookie(req.headers.cookie, HQ_SESSION_COOKIE);
    if (token) await logout(pool, token);
    return reply.header('set-cookie', `${HQ_SESSION_COOKIE}=; Path=/hq; HttpOnly; SameSite=Strict; Max-Age=0`).send({ ok: true });
  });

  app.get(
    '/hq/api/me',
    withViewer(async (scope, _q, user) => {
      const { rows } = await pool.query<{ store_id: string; name: string | null }>(
        'SELECT store_id, name FROM stores WHERE $1::text[] IS NULL OR store_id = ANY($1) ORDER BY name, store_id',
        [scope ? [...scope] : null],
      );
      return { user, stores: rows.map((r) => ({ store: r.store_id, name: r.name ?? r.store_id })) };
    }),
  );
  app.get(
    '/hq/api/stores',
    withViewer(async (scope) => ({ now: new Date().toISOString(), stores: await storeRows(pool, scope) })),
  );
  app.get(
    '/hq/api/stock',
    withViewer(async (scope) => stockView(pool, scope)),
  );
  app.get<{ Querystring: { from?: string; to?: string } }>(
    '/hq/api/sales',
    { schema: { querystring: rangeQuery } },
    withViewer<{ from?: string; to?: string }>(async (scope, q) => {
      const r = range(q, new Date());
      return salesView(pool, scope, r.from, r.to);
    }),
  );
  app.get<{ Querystring: { from?: string; to?: string } }>(
    '/hq/api/audit',
    { schema: { querystring: rangeQuery } },
    withViewer<{ from?: string; to?: string }>(async (scope, q) => {
      const r = range(q, new Date());
      return { ...r, insured: await insuredAcrossStores(pool, scope, r.from, r.to), soldTwice: await codeFlags(pool, scope, 'SOLD_TWICE') };
    }),
  );
  app.get(
    '/hq/api/codes',
    withViewer(async (scope) => ({ flags: await codeFlags(pool, scope) })),
  );

  // The box's heartbeat, about once a minute (sync/hq/replicator.ts): what the page's 门店 table shows beside
  // what HQ sees itself (head, last contact, chain flag).
  app.post<{ Body: BoxStatusBody }>('/hq/v1/status', { schema: { body: statusBody } }, async (req, reply) => {
    const h = req.headers.authorization;
    const store = h?.startsWith('Bearer ') ? await authenticateStore(pool, h.slice(7).trim()) : null;
    if (!store) return refuse(reply, 401, 'CREDENTIAL_INVALID', '门店凭证无效或已被总部吊销：请联系总部重新签发注册码并重新注册本店');
    const b = req.body;
    await pool.query(
      `INSERT INTO store_status (store_id, reported_at, version, local_seq, oldest_unsent_at, outbox_backlog, outbox_failed, outbox_oldest_seconds, alarms)
       VALUES ($1, now(), $2, $3, $4, $5, $6, $7, $8::jsonb)
       ON CONFLICT (store_id) DO UPDATE SET reported_at = EXCLUDED.reported_at, version = EXCLUDED.version, local_seq = EXCLUDED.local_seq,
         oldest_unsent_at = EXCLUDED.oldest_unsent_at, outbox_backlog = EXCLUDED.outbox_backlog, outbox_failed = EXCLUDED.outbox_failed,
         outbox_oldest_seconds = EXCLUDED.outbox_oldest_seconds, alarms = EXCLUDED.alarms`,
      [
        store,
        b.version,
        b.localSeq,
        b.oldestUnsentAt ?? null,
        b.outbox?.backlog ?? null,
        b.outbox?.failed ?? null,
        b.outbox?.oldestPendingAgeSeconds ?? null,
        JSON.stringify((b.alarms ?? []).map((a) => ({ code: a.code, message: a.message }))),
      ],
    );
    return reply.code(204).send();
  });
}
