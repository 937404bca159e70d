// 药师在岗 (issue 13): a pharmacist signs in at a counter with their own account (the cashier's session stays), signs
// out again; the manager sets the store's shift pharmacist. Who counts is decided in agent/checkout/pharmacist.ts.
import type { AccountStore } from '../../accounts/store.js';
import type { OnDuty, PharmacistDuty } from '../../checkout/pharmacist.js';
import { roles } from '../auth.js';
import { routeSchema, type TypedRoutes } from '../schemas.js';

const counterParam = { type: 'object', required: ['counter'], properties: { counter: { type: 'string', minLength: 1, maxLength: 40 } } } as const;
const sellers = roles('cashier', 'manager');

/** Shanghai wall-clock time, for "try again after …". */
const hhmm = (d: Date) => new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hour12: false }).format(d);

const onDutySchema = {
  type: ['object', 'null'],
  properties: {
    name: { type: 'string' },
    certNo: { type: 'string' },
    username: { type: 'string' },
    source: { type: 'string' },
    since: { type: 'string' },
    counter: { type: 'string' },
  },
} as const;
const counterReply = { '2xx': { type: 'object', properties: { counter: { type: 'string' }, pharmacist: onDutySchema } } } as const;

const dutyReply = {
  '2xx': {
    type: 'object',
    properties: {
      shift: onDutySchema,
      fallback: onDutySchema,
      counters: { type: 'array', items: onDutySchema },
      pharmacists: {
        type: 'array',
        items: { type: 'object', properties: { username: { type: 'string' }, name: { type: 'string' }, certNo: { type: 'string' } } },
      },
    },
  },
} as const;

const view = (d: OnDuty | undefined) => d ?? null;

export function pharmacistRoutes(duty: PharmacistDuty, accounts: AccountStore): TypedRoutes {
  return async (app) => {
    app.get(
      '/api/counters/:counter/pharmacist',
      { config: roles('cashier', 'manager', 'technician'), schema: routeSchema({ params: counterParam, response: counterReply }) },
      async (req) => ({ counter: req.params.counter, pharmacist: view(duty.onDuty(req.params.counter)) }),
    );

    // 药师签到: the pharmacist's own username and password, checked with the same throttling as a page sign-in.
    app.post(
      '/api/counters/:counter/pharmacist',
      {
        config: sellers,
        schema: routeSchema({
          params: counterParam,
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['username', 'password'],
            properties: { username: { type: 'string', minLength: 1, maxLength: 64 }, password: { type: 'string', minLength: 1, maxLength: 256 } },
          },
          response: counterReply,
        }),
      },
      async (req, reply) => {
        const v = await accounts.verify(req.body.username, req.body.password, req.ip);
        if (!v.ok && v.reason === 'locked')
          return reply.code(429).send({ errors: [{ code: 'LOGIN_LOCKED', message: `签到失败次数过多，已暂时锁定：请于 ${hhmm(v.retryAt)} 后再试` }] });
        if (!v.ok && v.reason === 'disabled') return reply.code(403).send({ errors: [{ code: 'USER_DISABLED', message: '该账号已停用，请联系店长' }] });
        // 422, not 401: the cashier's own session is fine (a 401 makes the page show its sign-in screen).
        if (!v.ok) return reply.code(422).send({ errors: [{ code: 'BAD_CREDENTIALS', message: '用户名或密码错误：请执业药师输入自己的账号和密码' }] });
        if (v.user.role !== 'pharmacist')
          return reply.code(403).send({
            errors: [{ code: 'NOT_PHARMACIST', message: `${v.user.displayName} 不是执业药师账号：药师签到须用执业药师本人的账号（由店长在「账号」中添加）` }],
          });
        const d = duty.signIn(req.params.counter, v.user.username, req.principal?.name);
        req.log.info({ counter: req.params.counter, pharmacist: v.user.username }, 'pharmacist signed in at counter');
        return { counter: req.params.counter, pharmacist: d };
      },
    );

    // 药师签退: the counter falls back to the shift pharmacist (returned, so the page shows who is on duty now).
    app.delete('/api/counters/:counter/pharmacist', { config: sellers, schema: routeSchema({ params: counterParam, response: counterReply }) }, async (req) => {
      const d = duty.signOut(req.params.counter);
      req.log.info({ counter: req.params.counter }, 'pharmacist signed out at counter');
      return { counter: req.params.counter, pharmacist: view(d) };
    });

    app.get(
      '/api/pharmacists/duty',
      {
        config: roles('manager'),
        schema: routeSchema({
          response: dutyReply,
        }),
      },
      async () => duty.overview(),
    );

    // The manager's shift pharmacist (当班药师) for the store; null clears it.
    app.put(
      '/api/pharmacists/shift',
      {
        config: roles('manager'),
        schema: routeSchema({
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['username'],
            properties: { username: { type: ['string', 'null'], minLength: 1, maxLength: 64 } },
          },
          response: dutyReply,
        }),
      },
      async (req) => {
        duty.setShift(req.body.username, req.principal?.name);
        return duty.overview();
      },
    );
  };
}
