import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiRole, ApiTokenConfig } from '../../config/index.js';
import type { AccountStore } from '../accounts/store.js';
import { type ClientLimiter, isSignIn } from './client-limit.js';

export interface Principal {
  name: string;
  role: ApiRole;
  /** How the caller proved who they are: a configured bearer token or a sign-in session cookie. */
  via: 'token' | 'session';
  /** Session principals only: the session id (SHA-256 of the cookie token) and the user's display name. */
  sessionId?: string;
  displayName?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  // Every route says who may call it: `roles`, or `public: true` for the few that need no sign-in
  // (a route with neither is refused when it is registered: closed by default).
  interface FastifyContextConfig {
    roles?: readonly ApiRole[];
    public?: true;
  }
}

/** Route config: the roles allowed to call the route. */
export const roles = (...allowed: ApiRole[]) => ({ roles: allowed });
/** Route config of a route that needs no sign-in. */
export const PUBLIC = { public: true } as const;
export const ANY_ROLE = roles('cashier', 'manager', 'technician');

/** Bearer tokens from `http.apiTokens` (only their SHA-256 is configured). */
export class TokenAuth {
  private readonly tokens: { name: string; role: ApiRole; digest: Buffer }[];

  constructor(tokens: readonly ApiTokenConfig[]) {
    this.tokens = tokens.map((t) => ({ name: t.name, role: t.role, digest: Buffer.from(t.sha256.toLowerCase(), 'hex') }));
  }

  identify(authorization: string | undefined): Principal | undefined {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) return undefined;
    const digest = createHash('sha256')
      .update(m[1] as string)
      .digest();
    for (const t of this.tokens) {
      if (t.digest.length === digest.length && timingSafeEqual(t.digest, digest)) return { name: t.name, role: t.role, via: 'token' };
    }
    return undefined;
  }
}

const ROLE_NAMES: Record<ApiRole, string> = { cashier: '收银员', manager: '店长', technician: '技术员' };

/** onRoute: a route that declares neither `config.roles` nor `config.public` stops the start, naming it. */
export function checkRouteAccess(route: { method: string | string[]; url: string; config?: { roles?: readonly ApiRole[]; public?: boolean } }): void {
  const c = route.config;
  if (c?.public === true || (c?.roles && c.roles.length > 0)) return;
  const method = Array.isArray(route.method) ? route.method.join(',') : route.method;
  throw new Error(`route ${method} ${route.url} declares neither config.roles nor config.public: every route must say who may call it`);
}

export const SESSION_COOKIE = 'ca_session';

/** The value of one cookie from a `Cookie` header (no dependency needed for this one read). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const raw = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    try {
      return decodeURIComponent(raw);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF rule for cookie sessions: a state-changing request (anything but GET/HEAD/OPTIONS) must carry an
 * `Origin` header — or, failing that, a `Referer` — naming the same host:port as its `Host` header.
 * Browsers always send Origin on cross-site POSTs and cannot forge it; SameSite=Strict is the second wall.
 * Bearer-token calls are exempt: a browser never adds an Authorization header on its own.
 */
export function sameOrigin(req: FastifyRequest): boolean {
  const host = req.headers.host;
  const source = req.headers.origin ?? req.headers.referer;
  if (!host || !source || source === 'null') return false;
  try {
    return new URL(source).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}

/**
 * The onRequest hook — it runs before the body is read, so an unknown caller never gets its body parsed:
 * the principal comes from a bearer token (tried first) or from the session cookie; a cookie-authenticated
 * state-changing request from another origin is refused (403); then the route's `config.roles` decide
 * (401 without a principal, 403 for another role). Public routes and unknown paths (404) pass.
 * With a limiter, a caller without a principal spends its address's allowance first (429 when spent, client-limit.ts);
 * a signed-in caller is never limited.
 */
export function authenticate(tokens: TokenAuth, accounts: AccountStore, limiter?: ClientLimiter) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> => {
    const byToken = tokens.identify(req.headers.authorization);
    if (byToken) {
      req.principal = byToken;
    } else {
      const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
      const session = cookie ? accounts.session(cookie) : undefined;
      if (session) {
        if (!SAFE_METHODS.has(req.method) && !sameOrigin(req)) {
          return reply.code(403).send({
            errors: [{ code: 'CSRF_ORIGIN', message: '请求来源与本机地址不符，已拒绝（使用登录会话修改数据时须带与 Host 一致的 Origin 或 Referer 头）' }],
          });
        }
        req.principal = { name: session.user.username, role: session.user.role, via: 'session', sessionId: session.id, displayName: session.user.displayName };
      }
    }
    const ip = req.socket.remoteAddress ?? '';
    if (limiter && req.principal) limiter.signedIn(ip);
    else if (limiter) {
      const signIn = isSignIn(req);
      const retryAfter = limiter.take(ip, signIn);
      if (retryAfter !== undefined) return limiter.refuse(reply, retryAfter, signIn);
    }
    const allowed = req.routeOptions.config.roles;
    if (req.routeOptions.config.public === true || !allowed) return;
    if (!req.principal) {
      return reply
        .code(401)
        .send({ errors: [{ code: 'UNAUTHENTICATED', message: '未登录或登录已过期：请登录后重试（接口调用需 Authorization: Bearer 令牌）' }] });
    }
    if (!allowed.includes(req.principal.role)) {
      return reply.code(403).send({
        errors: [
          { code: 'FORBIDDEN', message: `当前角色（${ROLE_NAMES[req.principal.role]}）无权执行此操作，需要：${allowed.map((r) => ROLE_NAMES[r]).join('或')}` },
        ],
      });
    }
  };
}
