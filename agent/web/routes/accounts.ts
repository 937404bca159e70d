import type { FastifyRequest } from 'fastify';
import { AccountError, type AccountStore, ROLES, type User } from '../../accounts/store.js';
import { PUBLIC, roles, SESSION_COOKIE } from '../auth.js';
import { routeSchema, type TypedRoutes } from '../schemas.js';

const publicUser = (u: User) => ({ username: u.username, displayName: u.displayName, role: u.role, ...(u.pracCertNo ? { pracCertNo: u.pracCertNo } : {}) });
const BAD_CREDENTIALS = '用户名或密码（PIN）错误';

/** Shanghai wall-clock time, for "try again after …". */
const hhmm = (d: Date) => new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hour12: false }).format(d);

function sessionCookie(req: FastifyRequest, value: string, maxAgeSeconds: number): string {
  const secure = req.protocol === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

const usernameParam = { type: 'object', required: ['username'], properties: { username: { type: 'string', minLength: 1, maxLength: 64 } } } as const;

/** `onSignOut`: a session ended by its user (the counter it attended is cleared for the next person). */
export function accountRoutes(accounts: AccountStore, onSignOut?: (sessionId: string) => void): TypedRoutes {
  return async (app) => {
    app.post(
      '/api/login',
      {
        config: PUBLIC,
        schema: routeSchema({
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['username', 'password'],
            properties: { username: { type: 'string', minLength: 1, maxLength: 64 }, password: { type: 'string', minLength: 1, maxLength: 256 } },
          },
        }),
      },
      async (req, reply) => {
        let r;
        try {
          r = await accounts.login(req.body.username, req.body.password, {
            ip: req.ip,
            ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
          });
        } catch (err) {
          // LOGIN_BUSY: the password-check queue is full; the error handler answers it, this says when to retry.
          if (err instanceof AccountError && err.status === 503) reply.header('retry-after', '5');
          throw err;
        }
        if (!r.ok && r.reason === 'locked') {
          const seconds = Math.max(1, Math.ceil((r.retryAt.getTime() - accounts.now().getTime()) / 1000));
          const minutes = Math.ceil(seconds / 60);
          return reply
            .code(429)
            .header('retry-after', String(seconds))
            .send({
              errors: [
                {
                  code: 'LOGIN_LOCKED',
                  message: `登录失败次数过多，已暂时锁定：请于 ${hhmm(r.retryAt)}（约 ${minutes} 分钟后）再试`,
                  retryAt: r.retryAt.toISOString(),
                },
              ],
            });
        }
        if (!r.ok && r.reason === 'disabled') return reply.code(403).send({ errors: [{ code: 'USER_DISABLED', message: '该账号已停用，请联系店长' }] });
        if (!r.ok && r.reason === 'pharmacist')
          return reply.code(403).send({
            errors: [{ code: 'PHARMACIST_ACCOUNT', message: '执业药师账号不能登录页面：请在收银台点「药师签到」输入该账号；收银请用收银员账号登录' }],
          });
        if (!r.ok) return reply.code(401).send({ errors: [{ code: 'BAD_CREDENTIALS', message: BAD_CREDENTIALS }] });
        const maxAge = Math.floor((r.session.expiresAt.getTime() - accounts.now().getTime()) / 1000);
        reply.header('set-cookie', sessionCookie(req, r.token, maxAge));
        return { user: publicUser(r.user) };
      },
    );

    // Public: signing out needs no valid session (an expired one still gets its cookie cleared).
    app.post('/api/logout', { config: PUBLIC }, async (req, reply) => {
      if (req.principal?.sessionId) {
        accounts.revoke(req.principal.sessionId);
        onSignOut?.(req.principal.sessionId);
      }
      reply.header('set-cookie', sessionCookie(req, '', 0));
      return reply.code(204).send();
    });

    app.get(
      '/api/me',
      {
        config: roles('cashier', 'manager', 'technician'),
        schema: routeSchema({
          response: {
            '2xx': { type: 'object', properties: { user: { type: 'object', properties: { username: { type: 'string' }, displayName: { type: 'string' } } } } },
          },
        }),
      },
      async (req) => {
        const p = req.principal!;
        return { user: { username: p.name, displayName: p.displayName ?? p.name, role: p.role }, via: p.via };
      },
    );

    const userSchema = {
      type: 'object',
      properties: { username: { type: 'string' }, displayName: { type: 'string' }, role: { type: 'string' }, pracCertNo: { type: 'string' } },
    } as const;
    app.get(
      '/api/users',
      {
        config: roles('manager'),
        schema: routeSchema({ response: { '2xx': { type: 'object', properties: { users: { type: 'array', items: userSchema } } } } }),
      },
      async () => ({
        users: accounts.list().map((u) => ({ ...publicUser(u), disabled: u.disabled, createdAt: u.createdAt })),
      }),
    );

    app.post(
      '/api/users',
      {
        config: roles('manager'),
        schema: routeSchema({
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['username', 'role', 'password'],
            properties: {
              username: { type: 'string', minLength: 1, maxLength: 64 },
              displayName: { type: 'string', maxLength: 64 },
              role: { type: 'string', enum: [...ROLES] },
              password: { type: 'string', minLength: 1, maxLength: 256 },
              // 执业药师注册证号: pharmacists only (checked by the store).
              pracCertNo: { type: 'string', maxLength: 64 },
            },
          },
        }),
      },
      async (req, reply) => {
        const u = await accounts.create(req.body);
        return reply.code(201).send({ user: publicUser(u) });
      },
    );

    app.post('/api/users/:username/disable', { config: roles('manager'), schema: routeSchema({ params: usernameParam }) }, async (req, reply) => {
      if (req.principal?.via === 'session' && req.principal.name === req.params.username.trim().toLowerCase()) {
        return reply.code(409).send({ errors: [{ code: 'CANNOT_DISABLE_SELF', message: '不能停用自己正在使用的账号' }] });
      }
      return { user: { ...publicUser(accounts.disable(req.params.username)), disabled: true } };
    });

    // A manager sets anyone's password; anyone signed in changes their own with the old one (managers too:
    // a session left open at the counter must not be enough to take the account over).
    app.put(
      '/api/users/:username/password',
      {
        config: roles('cashier', 'manager', 'technician'),
        schema: routeSchema({
          params: usernameParam,
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['password'],
            properties: { password: { type: 'string', minLength: 1, maxLength: 256 }, oldPassword: { type: 'string', maxLength: 256 } },
          },
        }),
      },
      async (req, reply) => {
        const p = req.principal!;
        const self = p.via === 'session' && p.name === req.params.username.trim().toLowerCase();
        if (self) {
          const v = await accounts.verify(p.name, req.body.oldPassword ?? '', req.ip);
          if (!v.ok && v.reason === 'locked')
            return reply.code(429).send({ errors: [{ code: 'LOGIN_LOCKED', message: `失败次数过多，请于 ${hhmm(v.retryAt)} 后再试` }] });
          if (!v.ok) return reply.code(403).send({ errors: [{ code: 'OLD_PASSWORD_WRONG', message: '原密码（PIN）错误' }] });
        } else if (!self && p.role !== 'manager') {
          return reply.code(403).send({ errors: [{ code: 'FORBIDDEN', message: '只有店长可以修改他人的密码' }] });
        }
        await accounts.setPassword(req.params.username, req.body.password, self ? p.sessionId : undefined);
        return reply.code(204).send();
      },
    );
  };
}
