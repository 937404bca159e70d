import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AMOX, HERB, IBU, receipt } from '../../test/fixtures.js';
import { silentLog, TOKENS, tempDir, testConfig } from '../../test/helpers.js';
import { type RunningAgent, startAgent } from '../app.js';

let agent: RunningAgent;
let tmp: { dir: string; cleanup: () => void };
let now = new Date('2026-11-22T02:00:00Z');
const advance = (ms: number) => (now = new Date(now.getTime() + ms));

beforeAll(async () => {
  tmp = tempDir();
  agent = await startAgent({ config: testConfig(tmp.dir), demo: false, log: silentLog(), clock: () => now });
  const made = await Promise.all([
    call('POST', '/api/users', { username: 'li', displayName: '李店长', role: 'manager', password: 'manager-pass-1' }, { token: TOKENS.manager }),
    call('POST', '/api/users', { username: 'zhao', displayName: '赵收银', role: 'cashier', password: '246810' }, { token: TOKENS.manager }),
    call('POST', '/api/users', { username: 'qian', role: 'cashier', password: '1357' }, { token: TOKENS.manager }),
    call('POST', '/api/users', { username: 'sun', role: 'cashier', password: '9753' }, { token: TOKENS.manager }),
  ]);
  expect(made.map((m) => m.status)).toEqual([201, 201, 201, 201]);
  expect((await call('POST', '/api/catalog', { products: [AMOX, IBU, HERB] }, { token: TOKENS.manager })).status).toBe(200);
});
afterAll(async () => {
  await agent.close();
  tmp.cleanup();
});

type Body = Record<string, unknown> & { errors?: { code: string; message: string }[] };

async function call(method: string, path: string, body?: unknown, auth: { token?: string; cookie?: string; origin?: string | null } = {}) {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (auth.token) headers.authorization = `Bearer ${auth.token}`;
  if (auth.cookie) headers.cookie = auth.cookie;
  // A browser page served by the box sends its own origin; `null` leaves the header out.
  const origin = auth.origin === undefined ? agent.url : auth.origin;
  if (origin) headers.origin = origin;
  const res = await fetch(`${agent.url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as Body };
}

async function login(username: string, password: string) {
  const r = await call('POST', '/api/login', { username, password });
  const setCookie = r.headers.get('set-cookie') ?? '';
  return { ...r, setCookie, cookie: setCookie.split(';')[0] ?? '' };
}

describe('accounts and sessions over real HTTP', () => {
  it('login sets an HttpOnly SameSite=Strict session cookie that authenticates API calls', async () => {
    const r = await login('zhao', '246810');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ user: { username: 'zhao', displayName: '赵收银', role: 'cashier' } });
    expect(r.setCookie).toMatch(/^ca_session=[A-Za-z0-9_-]{43};/);
    expect(r.setCookie).toMatch(/; HttpOnly/);
    expect(r.setCookie).toMatch(/; SameSite=Strict/);
    expect(r.setCookie).toMatch(/; Path=\//);
    expect(r.setCookie).not.toMatch(/Secure/); // plain HTTP here
    const stock = await call('GET', '/api/stock', undefined, { cookie: r.cookie });
    expect(stock.status).toBe(200);
    expect((await call('GET', '/api/me', undefined, { cookie: r.cookie })).body).toEqual({
      user: { username: 'zhao', displayName: '赵收银', role: 'cashier' },
      via: 'session',
    });
    expect((await call('GET', '/api/stock', undefined, { cookie: 'ca_session=forged' })).status).toBe(401);
  });

  it('answers the same 401 for an unknown user and a wrong password', async () => {
    const unknown = await login('nobody', '246810');
    const wrong = await login('li', 'wrong-password');
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.body.errors?.[0]?.message).toMatch(/用户名或密码/);
    expect(wrong.setCookie).toBe('');
  });

  it('authorises by role: a cashier session may open a sale but not receive stock', async () => {
    const { cookie } = await login('zhao', '246810');
    expect((await call('POST', '/api/receipts', receipt(), { cookie })).status).toBe(403);
    const sale = await call('POST', '/api/sales', {}, { cookie });
    expect(sale.status).toBe(201);
    expect((await call('GET', '/api/users', undefined, { cookie })).status).toBe(403);
    expect((await call('POST', '/api/users', { username: 'x1', role: 'cashier', password: '1111' }, { cookie })).status).toBe(403);
    const mgr = await login('li', 'manager-pass-1');
    expect((await call('POST', '/api/receipts', receipt({ invoiceNo: 'INV-ACC' }), { cookie: mgr.cookie })).status).toBe(201);
    const users = await call('GET', '/api/users', undefined, { cookie: mgr.cookie });
    expect(users.body.users).toEqual(expect.arrayContaining([expect.objectContaining({ username: 'zhao', role: 'cashier', disabled: false })]));
    expect(JSON.stringify(users.body)).not.toMatch(/scrypt/);
  });

  it('refuses a cookie-authenticated POST without a matching Origin (CSRF), accepts it with one; bearer calls are exempt', async () => {
    const { cookie } = await login('zhao', '246810');
    const none = await call('POST', '/api/sales', {}, { cookie, origin: null });
    expect(none.status).toBe(403);
    expect(none.body.errors?.[0]?.code).toBe('CSRF_ORIGIN');
    expect((await call('POST', '/api/sales', {}, { cookie, origin: 'http://evil.example' })).status).toBe(403);
    expect((await call('POST', '/api/sales', {}, { cookie, origin: `${agent.url}.evil.example` })).status).toBe(403);
    expect((await call('POST', '/api/sales', {}, { cookie })).status).toBe(201);
    expect((await call('GET', '/api/stock', undefined, { cookie, origin: 'http://evil.example' })).status).toBe(200); // reads are not state changes
    expect((await call('POST', '/api/sales', {}, { token: TOKENS.cashier, origin: null })).status).toBe(201);
  });

  it('logout revokes the session', async () => {
    const { cookie } = await login('zhao', '246810');
    const out = await call('POST', '/api/logout', undefined, { cookie });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^ca_session=; .*Max-Age=0/);
    expect((await call('GET', '/api/stock', undefined, { cookie })).status).toBe(401);
  });

  it('refuses an expired session (8 h idle)', async () => {
    const { cookie } = await login('qian', '1357');
    advance(7 * 3600_000);
    expect((await call('GET', '/api/stock', undefined, { cookie })).status).toBe(200);
    advance(8 * 3600_000);
    const r = await call('GET', '/api/stock', undefined, { cookie });
    expect(r.status).toBe(401);
    expect(r.body.errors?.[0]?.message).toMatch(/登录/);
  });

  it('locks sign-in after 5 wrong PINs, even with the right one, until the lock passes', async () => {
    for (let i = 0; i < 5; i++) expect((await login('sun', '0000')).status).toBe(401);
    const locked = await login('sun', '9753');
    expect(locked.status).toBe(429);
    expect(locked.body.errors?.[0]?.message).toMatch(/次数过多.*请于 \d\d:\d\d.*15 分钟后/);
    expect(locked.headers.get('retry-after')).toBe('900');
    expect(locked.setCookie).toBe('');
    advance(14 * 60_000);
    expect((await login('sun', '9753')).status).toBe(429);
    advance(60_000);
    expect((await login('sun', '9753')).status).toBe(200);
  });

  it('a disabled user cannot sign in and their sessions stop working', async () => {
    await call('POST', '/api/users', { username: 'zhou', role: 'cashier', password: '8642' }, { token: TOKENS.manager });
    const { cookie } = await login('zhou', '8642');
    expect((await call('GET', '/api/stock', undefined, { cookie })).status).toBe(200);
    const mgr = await login('li', 'manager-pass-1');
    expect((await call('POST', '/api/users/zhou/disable', undefined, { cookie: mgr.cookie })).status).toBe(200);
    expect((await call('GET', '/api/stock', undefined, { cookie })).status).toBe(401);
    const again = await login('zhou', '8642');
    expect(again.status).toBe(403);
    expect(again.setCookie).toBe('');
    expect((await call('POST', '/api/users/li/disable', undefined, { cookie: mgr.cookie })).status).toBe(409);
  });

  it('passwords: a user changes their own with the old one; a manager resets anyone; rules for PINs hold', async () => {
    await call('POST', '/api/users', { username: 'wu', role: 'cashier', password: '1212' }, { token: TOKENS.manager });
    const { cookie } = await login('wu', '1212');
    expect((await call('PUT', '/api/users/wu/password', { password: '3434', oldPassword: '9999' }, { cookie })).status).toBe(403);
    expect((await call('PUT', '/api/users/wu/password', { password: 'abcd', oldPassword: '1212' }, { cookie })).status).toBe(400);
    expect((await call('PUT', '/api/users/wu/password', { password: '3434', oldPassword: '1212' }, { cookie })).status).toBe(204);
    expect((await call('GET', '/api/stock', undefined, { cookie })).status).toBe(200); // own session kept
    expect((await call('PUT', '/api/users/zhao/password', { password: '5656' }, { cookie })).status).toBe(403);
    expect((await call('PUT', '/api/users/wu/password', { password: '7878' }, { token: TOKENS.manager })).status).toBe(204);
    expect((await call('GET', '/api/stock', undefined, { cookie })).status).toBe(401); // reset ends the sessions
    expect((await login('wu', '3434')).status).toBe(401);
    expect((await login('wu', '7878')).status).toBe(200);
  });
});

describe('demo mode accounts', () => {
  it('creates a demo manager and cashier, and gives them fresh secrets on every demo start', async () => {
    const dir = tempDir();
    try {
      const demo = await startAgent({ config: testConfig(dir.dir), demo: true, log: silentLog() });
      let accounts;
      try {
        accounts = demo.demoAccounts;
        expect(accounts?.manager.username).toBe('manager');
        expect(accounts?.cashier.username).toBe('cashier');
        expect(accounts?.cashier.pin).toMatch(/^\d{6}$/);
        const r = await fetch(`${demo.url}/api/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: demo.url },
          body: JSON.stringify({ username: 'cashier', password: accounts?.cashier.pin }),
        });
        expect(r.status).toBe(200);
        expect(await r.json()).toEqual({ user: { username: 'cashier', displayName: '演示收银员', role: 'cashier' } });
        expect(demo.accounts.get('manager')?.role).toBe('manager');
      } finally {
        await demo.close();
      }
      const again = await startAgent({ config: testConfig(dir.dir), demo: true, log: silentLog() });
      try {
        const fresh = again.demoAccounts;
        expect(fresh?.manager.password).not.toBe(accounts?.manager.password);
        const signIn = (password: string | undefined) =>
          fetch(`${again.url}/api/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', origin: again.url },
            body: JSON.stringify({ username: 'manager', password }),
          });
        expect((await signIn(accounts?.manager.password)).status).toBe(401);
        expect((await signIn(fresh?.manager.password)).status).toBe(200);
        expect(again.accounts.count()).toBe(2); // the same two users, not new ones
      } finally {
        await again.close();
      }
    } finally {
      dir.cleanup();
    }
  });
});
