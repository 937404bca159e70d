// Host allow-list for cookie sessions (issue 15). A page on another site can point a name it controls at the
// box's address (DNS rebinding) and then talk to the box as "same origin", carrying a signed-in manager's cookie.
// The Host header then names the attacker's domain: a request with a session cookie is honoured only when its
// Host is one the box is known by. Bearer tokens are unaffected (a browser never adds them by itself).
import { hostname } from 'node:os';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpConfig } from '../../config/index.js';
import { readCookie, SESSION_COOKIE } from './auth.js';

/** `http.allowedHosts`, or by default the listen host, localhost, 127.0.0.1, [::1] and the box's hostname. */
export function allowedHosts(http: Pick<HttpConfig, 'host' | 'allowedHosts'>): Set<string> {
  const names = http.allowedHosts ?? [http.host, 'localhost', '127.0.0.1', '[::1]', hostname()];
  return new Set(names.filter((n) => n !== '0.0.0.0' && n !== '::').map((n) => n.toLowerCase()));
}

/** The Host header without its port, lower case ("[::1]:8080" → "[::1]"). */
function hostOf(header: string | undefined): string {
  const h = (header ?? '').trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  return h.split(':')[0] ?? '';
}

/** onRequest hook, registered before authentication: a session cookie under a foreign Host is refused (403). */
export function hostGuard(http: Pick<HttpConfig, 'host' | 'allowedHosts'>) {
  const allowed = allowedHosts(http);
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> => {
    if (readCookie(req.headers.cookie, SESSION_COOKIE) === undefined) return;
    if (req.headers.authorization) return; // a bearer token decides by itself
    if (allowed.has(hostOf(req.headers.host))) return;
    return reply.code(403).send({
      errors: [
        {
          code: 'HOST_NOT_ALLOWED',
          message: '访问地址不在本机允许的地址列表中，已拒绝：请用店内规定的地址打开页面；如需新地址，请技术员在配置 http.allowedHosts 中添加',
        },
      ],
    });
  };
}
