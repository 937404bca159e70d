// Issue 15: /api/health shows only { status, alarms } to the public, everything to a technician or manager; a
// session cookie is honoured only under an allowed Host (http.allowedHosts), bearer tokens anywhere.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLog, TOKENS, tempDir, testConfig } from '../../test/helpers.js';
import { type RunningAgent, startAgent } from '../app.js';
import { allowedHosts } from './host-guard.js';

let agent: RunningAgent;
let tmp: { dir: string; cleanup: () => void };
let cookies: { manager: string; cashier: string };

/** node:http, because fetch will not send a Host header of our choosing. */
function get(
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> & { errors?: { code: string; message: string }[] } }> {
  const url = new URL(agent.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as never }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function signIn(username: string, password: string): Promise<string> {
  const r = await fetch(`${agent.url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  expect(r.status).toBe(200);
  return (r.headers.get('set-cookie') ?? '').split(';')[0] as string;
}

beforeAll(async () => {
  tmp = tempDir();
  agent = await startAgent({
    config: testConfig(tmp.dir, 'scanners:\n  - { id: front, type: serial, counter: counter-1, path: /tmp/counter-agent-no-such-tty-health }'),
    demo: false,
    log: silentLog(),
  });
  for (const [username, role, password] of [
    ['boss', 'manager', 'manager-pass-1'],
    ['till', 'cashier', '1357'],
  ] as const) {
    const r = await fetch(`${agent.url}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.manager}` },
      body: JSON.stringify({ username, role, password }),
    });
    expect(r.status).toBe(201);
  }
  cookies = { manager: await signIn('boss', 'manager-pass-1'), cashier: await signIn('till', '1357') };
});
afterAll(async () => {
  await agent?.close();
  tmp?.cleanup();
});

const HOST = () => new URL(agent.url).host;

describe('health without details, and the Host allow-list', () => {
  it('the public, a cashier: status and alarms without paths; a manager session or technician token: everything', async () => {
    for (const headers of [{ host: HOST() }, { host: HOST(), cookie: cookies.cashier }] as Record<string, string>[]) {
      const r = await get('/api/health', headers);
      expect(r.status).toBe(200);
      expect(Object.keys(r.body).sort()).toEqual(['alarms', 'status']);
      const alarm = (r.body.alarms as { code: string; message: string }[]).find((a) => a.code === 'DEVICE_MISSING');
      expect(alarm?.message).toMatch(/扫码枪 front.*未连接.*请检查连线/);
      expect(JSON.stringify(r.body)).not.toMatch(/\/tmp\/|http:\/\//);
    }
    for (const headers of [
      { host: HOST(), cookie: cookies.manager },
      { host: HOST(), authorization: `Bearer ${TOKENS.technician}` },
    ] as Record<string, string>[]) {
      const r = await get('/api/health', headers);
      expect(r.body).toMatchObject({
        version: expect.any(String),
        devices: expect.any(Array),
        platform: { url: expect.stringMatching(/^http:\/\//) },
        disk: { path: tmp.dir },
      });
      expect(JSON.stringify(r.body.alarms)).toContain('/tmp/counter-agent-no-such-tty-health');
    }
  });

  it('a session cookie under a foreign Host is refused (403, Chinese); localhost works; a bearer token works anywhere', async () => {
    const evil = await get('/api/me', { host: 'rebind.attacker.example:8080', cookie: cookies.manager });
    expect(evil.status).toBe(403);
    expect(evil.body.errors?.[0]).toMatchObject({ code: 'HOST_NOT_ALLOWED', message: expect.stringMatching(/http\.allowedHosts/) });
    expect((await get('/api/me', { host: `localhost:${new URL(agent.url).port}`, cookie: cookies.manager })).status).toBe(200);
    expect((await get('/api/stock', { host: 'rebind.attacker.example', authorization: `Bearer ${TOKENS.manager}` })).status).toBe(200);
    expect((await get('/api/health', { host: 'rebind.attacker.example' })).status).toBe(200); // no cookie: nothing to ride on
  });

  it('the default allow-list is the listen host, localhost, loopback and the hostname; a configured one replaces it', () => {
    expect([...allowedHosts({ host: '0.0.0.0' })]).toEqual(expect.arrayContaining(['localhost', '127.0.0.1', '[::1]']));
    expect(allowedHosts({ host: '0.0.0.0' }).has('0.0.0.0')).toBe(false);
    expect([...allowedHosts({ host: '127.0.0.1', allowedHosts: ['Counter-Box.local', '192.168.1.20'] })]).toEqual(['counter-box.local', '192.168.1.20']);
  });
});
