// Closed by default: every route is written down here with who may call it. A new route fails this test until
// its roles are added to the table — a conscious decision, never a default. And auth comes before the body.
import { request } from 'node:http';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLog, TOKENS, tempDir, testConfig } from '../../test/helpers.js';
import { type RunningAgent, startAgent } from '../app.js';
import { BODY_LIMITS } from './limits.js';
import { closedByDefault, routeTable } from './server.js';

const ANY = ['cashier', 'manager', 'technician'];
const SELLERS = ['cashier', 'manager'];
const READERS = ['manager', 'technician'];
const MANAGER = ['manager'];

/** method, path, roles ('public' = no sign-in). HEAD routes mirror their GET and are checked apart. */
const ROUTES: [string, string, 'public' | string[]][] = [
  ['GET', '/api/health', 'public'],
  ['POST', '/api/login', 'public'],
  ['POST', '/api/logout', 'public'],
  ['GET', '/api/me', ANY],
  ['GET', '/api/users', MANAGER],
  ['POST', '/api/users', MANAGER],
  ['POST', '/api/users/:username/disable', MANAGER],
  ['PUT', '/api/users/:username/password', ANY],
  ['POST', '/api/catalog', MANAGER],
  ['GET', '/api/catalog', ANY],
  ['POST', '/api/receipts', MANAGER],
  ['POST', '/api/inventory/opening', MANAGER],
  ['GET', '/api/stock', ANY],
  ['POST', '/api/stock/adjustments', MANAGER],
  ['GET', '/api/stock/lots/:id/codes', READERS],
  ['GET', '/api/codes/:code', ANY],
  ['POST', '/api/stocktakes', MANAGER],
  ['GET', '/api/stocktakes', READERS],
  ['GET', '/api/transfers', READERS],
  ['GET', '/api/transfers/stores', READERS],
  ['POST', '/api/transfers/refresh', READERS],
  ['POST', '/api/transfers/check', MANAGER],
  ['POST', '/api/transfers', MANAGER],
  ['POST', '/api/transfers/:id/receive', MANAGER],
  ['POST', '/api/sales', SELLERS],
  ['GET', '/api/sales/:id', ANY],
  ['POST', '/api/sales/:id/items', SELLERS],
  ['DELETE', '/api/sales/:id/items/:itemId', SELLERS],
  ['PUT', '/api/sales/:id/identity', SELLERS],
  ['PUT', '/api/sales/:id/identity/evoucher', SELLERS],
  ['PUT', '/api/sales/:id/prescription', SELLERS],
  ['PUT', '/api/sales/:id/consent', SELLERS],
  ['POST', '/api/sales/:id/settle', SELLERS],
  ['POST', '/api/sales/:id/void', SELLERS],
  ['GET', '/api/counters/:counter', ANY],
  ['POST', '/api/counters/:counter/attend', SELLERS],
  ['POST', '/api/counters/:counter/resume', SELLERS],
  ['GET', '/api/counters/:counter/pharmacist', ANY],
  ['POST', '/api/counters/:counter/pharmacist', SELLERS],
  ['DELETE', '/api/counters/:counter/pharmacist', SELLERS],
  ['GET', '/api/pharmacists/duty', MANAGER],
  ['PUT', '/api/pharmacists/shift', MANAGER],
  ['POST', '/api/sales/:id/reverse', MANAGER],
  ['GET', '/api/devices', ANY],
  ['GET', '/api/events', ANY],
  ['POST', '/api/devices/:id/scan', ANY],
  ['POST', '/api/devices/:id/card', ANY],
  ['POST', '/api/receiving/:counter/start', MANAGER],
  ['GET', '/api/receiving/:counter', MANAGER],
  ['POST', '/api/receiving/:counter/stop', MANAGER],
  ['GET', '/api/sales/:id/video', READERS],
  ['GET', '/api/video', READERS],
  ['GET', '/api/sync', READERS],
  ['POST', '/api/sync/retry', READERS],
  ['GET', '/api/sales', READERS],
  ['GET', '/api/reports/daily', READERS],
  ['GET', '/api/reports/stock-value', READERS],
  ['GET', '/api/reports/backlog', READERS],
  ['GET', '/api/reconciliation', READERS],
  ['GET', '/api/reconciliation.csv', READERS],
  ['POST', '/api/reconciliation/platform-readback', MANAGER],
  ['POST', '/api/reconciliation/platform-readback/resend', MANAGER],
  ['GET', '/api/audit', READERS],
  ['POST', '/api/suspicious/pull', MANAGER],
  ['GET', '/api/suspicious', READERS],
  ['POST', '/api/suspicious/:itemId/answers', MANAGER],
  ['GET', '/api/chain/alarms', READERS],
  ['POST', '/api/chain/alarms/:id/resolve', MANAGER],
  ['GET', '/api/rules/categories', ANY],
  ['GET', '/', 'public'],
  ['GET', '/counter', 'public'],
  ['GET', '/counter/', 'public'],
  ['GET', '/manager', 'public'],
  ['GET', '/manager/', 'public'],
];
/** The pages' static files (their names change with the pages): public GETs, nothing else. */
const STATIC = /^\/(counter|manager|shared|vendor)\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

let agent: RunningAgent;
let tmp: { dir: string; cleanup: () => void };

beforeAll(async () => {
  tmp = tempDir();
  agent = await startAgent({ config: testConfig(tmp.dir), demo: false, log: silentLog() });
});
afterAll(async () => {
  await agent.close();
  tmp.cleanup();
});

/** A POST of `bytes` bytes of JSON-ish text, sent as fast as the socket takes it; resolves with the status and the time. */
function bigPost(path: string, bytes: number, token?: string): Promise<{ status: number; body: string; ms: number }> {
  const url = new URL(path, agent.url);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(bytes), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - started });
          req.destroy(); // the answer is in: stop sending the rest
        });
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < bytes && !req.destroyed) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!req.destroyed) req.end();
    };
    pump();
  });
}

describe('routes are closed by default', () => {
  it('every registered route is in the written table with the same roles', () => {
    const registered = routeTable(agent.server);
    const api = registered
      .filter((r) => r.method !== 'HEAD' && !STATIC.test(r.url))
      .map((r) => [r.method, r.url, r.access === 'public' ? 'public' : [...r.access].sort()]);
    const written = ROUTES.map(([m, u, a]) => [m, u, a === 'public' ? 'public' : [...a].sort()]);
    const key = (r: unknown[]) => `${String(r[0])} ${String(r[1])}`;
    expect(api.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(written.sort((a, b) => key(a).localeCompare(key(b))));
    // HEAD mirrors GET; the static files are public GETs.
    for (const head of registered.filter((r) => r.method === 'HEAD')) {
      expect(registered.find((r) => r.method === 'GET' && r.url === head.url)?.access, head.url).toEqual(head.access);
    }
    const files = registered.filter((r) => STATIC.test(r.url));
    expect(files.length).toBeGreaterThan(10);
    expect(files.every((r) => r.access === 'public' && (r.method === 'GET' || r.method === 'HEAD'))).toBe(true);
  });

  it('a route that declares no roles stops the start, naming the route', async () => {
    const app = Fastify();
    closedByDefault(app);
    app.get('/api/ok', { config: { roles: ['manager'] } }, async () => ({}));
    app.get('/api/open', { config: { public: true } }, async () => ({}));
    const start = async () => {
      await app.register(async (child) => {
        child.post('/api/forgotten', async () => ({}));
      });
      await app.ready();
    };
    await expect(start()).rejects.toThrow(/POST \/api\/forgotten declares neither config\.roles nor config\.public/);
  });

  it('body limits: small by default, larger only for the catalogue, receipts, opening stock and bulk lists', () => {
    const limits = Object.fromEntries(
      routeTable(agent.server)
        .filter((r) => r.method !== 'GET' && r.method !== 'HEAD')
        .map((r) => [`${r.method} ${r.url}`, r.bodyLimit]),
    );
    expect(limits).toMatchObject({
      'POST /api/catalog': BODY_LIMITS.catalog,
      'POST /api/receipts': BODY_LIMITS.receipt,
      'POST /api/inventory/opening': BODY_LIMITS.opening,
      'POST /api/stocktakes': BODY_LIMITS.bulk,
      'POST /api/stock/adjustments': BODY_LIMITS.bulk,
      'POST /api/transfers': BODY_LIMITS.bulk,
      'POST /api/transfers/:id/receive': BODY_LIMITS.bulk,
      'POST /api/sync/retry': BODY_LIMITS.bulk,
      'POST /api/login': 64 * 1024,
      'POST /api/sales/:id/items': 64 * 1024,
    });
    expect(Object.values(limits).filter((l) => l > BODY_LIMITS.default)).toHaveLength(8); // + the two transfer lists (调拨)
  });
});

describe('rule categories for the counter page', () => {
  it('come from the rules: consent and self-pay product categories, the step that resolves each refusal', async () => {
    const r = await fetch(`${agent.url}/api/rules/categories`, { headers: { authorization: `Bearer ${TOKENS.cashier}` } });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({
      consentRequired: ['drug', 'herbal', 'device'],
      selfPayOnly: ['health_food', 'cosmetic', 'daily'],
      nextSteps: expect.objectContaining({ IDENTITY_REQUIRED: 'identity', CONSENT_REQUIRED: 'consent', PLATFORM_UNAVAILABLE: 'retry_or_self_pay' }),
    });
  });
});

describe('auth before body', () => {
  it('an unauthenticated 50 MB POST to a protected route answers 401 at once; its body is never read', async () => {
    const before = process.memoryUsage().rss;
    const r = await bigPost('/api/catalog', 50 * 1024 * 1024);
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toEqual({ errors: [expect.objectContaining({ code: 'UNAUTHENTICATED' })] });
    expect(r.ms).toBeLessThan(5000);
    expect(process.memoryUsage().rss - before).toBeLessThan(40 * 1024 * 1024);
  });

  it('a malformed body without credentials gets 401, not a 400 listing the fields', async () => {
    const res = await fetch(`${agent.url}/api/catalog`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"products": [{"nope": 1}]',
    });
    expect(res.status).toBe(401);
  });

  it('a 50 MB POST to the public /api/login answers 413 in Chinese, naming the limit', async () => {
    const r = await bigPost('/api/login', 50 * 1024 * 1024);
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body)).toEqual({ errors: [{ code: 'BODY_TOO_LARGE', message: expect.stringMatching(/^请求内容过大（上限 64 KB）/) }] });
    expect(r.ms).toBeLessThan(5000);
  });

  it('a signed-in caller over the limit of a small route gets 413; JSON errors speak of JSON', async () => {
    const r = await bigPost('/api/sales', 1024 * 1024, TOKENS.cashier);
    expect(r.status).toBe(413);
    const bad = await fetch(`${agent.url}/api/catalog`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.manager}` },
      body: '{"products": {}}',
    });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { errors: { message: string }[] };
    expect(body.errors[0]?.message).toBe('请求格式错误：products: 应为数组，收到对象');
    const broken = await fetch(`${agent.url}/api/catalog`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.manager}` },
      body: '{"products": [',
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { errors: { message: string }[] }).errors[0]?.message).toMatch(/^请求格式错误：请求体不是合法的 JSON/);
  });
});
