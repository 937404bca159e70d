import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiRole, ApiTokenConfig } from '../../config/index.js';

export interface Principal {
  name: string;
  role: ApiRole;
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
      if (t.digest.length === digest.length && timingSafeEqual(t.digest, digest)) return { name: t.name, role: t.role };
    }
    return undefined;
  }
}

const ROLE_NAMES: Record<ApiRole, string> = { cashier: '收银员', manager: '店长', technician: '技术员' };

/** Route guard: the caller must be signed in with one of `roles`. */
export function requireRole(...roles: ApiRole[]) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (!req.principal) {
      await reply.code(401).send({ errors: [{ code: 'UNAUTHENTICATED', message: '未登录或令牌无效：请登录后重试（接口调用需 Authorization: Bearer 令牌）' }] });
      return;
    }
    if (!roles.includes(req.principal.role)) {
      await reply.code(403).send({
        errors: [{ code: 'FORBIDDEN', message: `当前角色（${ROLE_NAMES[req.principal.role]}）无权执行此操作，需要：${roles.map((r) => ROLE_NAMES[r]).join('或')}` }],
      });
    }
  };
}
