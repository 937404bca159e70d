import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccountStore } from '../accounts/store.js';
import type { ApiRole, ApiTokenConfig } from '../../config/index.js';

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
}

/** Bearer tokens from `http.apiTokens` (only their SHA-256 is configured). */
export class TokenAuth {
  private readonly tokens: { name: string; role: ApiRole; digest: Buffer }[];

  constructor(tokens: readonly ApiTokenConfig[]) {
    this.tokens = tokens.map((t) => ({ name: t.name, role: t.role, digest: Buffer.from(t.sha256.toLowerCase(), 'hex') }));
  }

  identify(authorization: string | undefined): Principal | undefined {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!m) return undefined;
    const digest = createHash('sha256').update(m[1] as string).digest();
    for (const t of this.tokens) {
      if (t.digest.length === digest.length && timingSafeEqual(t.digest, digest)) return { name: t.name, role: t.role, via: 'token' };
    }
    return undefined;
  }
}

const ROLE_NAMES: Record<ApiRole, string> = { cashier: '收银员', manager: '店长', technician: '技术员' };

/** Route guard: the caller must be signed in with one of `roles`. */
export function requireRole(...roles: ApiRole[]) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!req.principal) {
      await reply.code(401).send({ errors: [{ code: 'UNAUTHENTICATED', message: '未登录或登录已过期：请登录后重试（接口调用需 Authorization: Bearer 令牌）' }] });
      return;
    }
    if (!roles.includes(req.principal.role)) {
      await reply.code(403).send({
        errors: [{ code: 'FORBIDDEN', message: `当前角色（${ROLE_NAMES[req.principal.role]}）无权执行此操作，需要：${roles.map((r) => ROLE_NAMES[r]).join('或')}` }],
      });
    }
  };
}

export const SESSION_COOKIE = 'ca_session';

/** The value of one cookie from a `Cookie` header (no dependency needed for this one read). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
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
 * The onRequest hook: the principal comes from a bearer token (tried first) or from the session cookie.
 * A cookie-authenticated state-changing request from another origin is refused here (403).
 */
export function authenticate(tokens: TokenAuth, accounts: AccountStore) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> => {
    const byToken = tokens.identify(req.headers.authorization);
    if (byToken) {
      req.principal = byToken;
      return;
    }
    const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
    const session = cookie ? accounts.session(cookie) : undefined;
    if (!session) return;
    if (!SAFE_METHODS.has(req.method) && !sameOrigin(req)) {
      return reply.code(403).send({
        errors: [{ code: 'CSRF_ORIGIN', message: '请求来源与本机地址不符，已拒绝（使用登录会话修改数据时须带与 Host 一致的 Origin 或 Referer 头）' }],
      });
    }
    req.principal = { name: session.user.username, role: session.user.role, via: 'session', sessionId: session.id, displayName: session.user.displayName };
  };
}
