// Issue 15, sustained sign-in flood: one address that floods /api/login gets 429s (and then its connections closed),
// while a sign-in from another address and the counter's scans still succeed. 127.0.0.x are all loopback on Linux, so
// binding the client socket to 127.0.0.2 / .3 gives the box distinct source addresses, as LAN machines would be.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHINESE, codeOf, line, startTestAgent, type TestAgent, TOKENS } from './sales.test-helpers.js';
import { clientLimiter } from './server.js';

let t: TestAgent;

beforeAll(async () => {
  t = await startTestAgent();
  await t.receive({ lines: [line('AMOX', 'L1', [codeOf('AMOX', 1), codeOf('AMOX', 2)])] });
  expect((await t.api('POST', '/api/users', { username: 'counter2', role: 'cashier', password: '2468' })).status).toBe(201);
});
afterAll(async () => {
  await t?.close();
});

interface Answer {
  status: number; // 0: the connection was closed before an answer
  retryAfter?: string;
  connection?: string;
  body?: { errors?: { code: string; message: string }[] };
  cookie?: string;
}

/** One sign-in on its own connection from `from`; status 0 when the box closed it or did not answer within 2 s. */
function signIn(from: string, username: string, password: string): Promise<Answer> {
  const url = new URL(t.agent.url);
  const body = JSON.stringify({ username, password });
  return new Promise((resolve) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: '/api/login',
        method: 'POST',
        localAddress: from,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers['retry-after'],
            connection: res.headers.connection,
            body: text ? JSON.parse(text) : undefined,
            cookie: res.headers['set-cookie']?.[0],
          }),
        );
      },
    );
    req.setTimeout(2_000, () => req.destroy());
    req.on('error', () => resolve({ status: 0 }));
    req.end(body);
  });
}

describe('a sign-in flood from one address', () => {
  it('gets 429s and then closed connections, while another address signs in and the counter scans', async () => {
    const sale = await t.open();
    // 200 wrong sign-ins at once from 127.0.0.2, then a sustained stream of them.
    const burst = await Promise.all(Array.from({ length: 200 }, (_, i) => signIn('127.0.0.2', 'intruder', String(1000 + i))));
    const sustained: Answer[] = [];
    for (let i = 0; i < 3; i++) sustained.push(await signIn('127.0.0.2', 'intruder', String(2000 + i)));
    const all = [...burst, ...sustained];
    const count = (s: number) => all.filter((a) => a.status === s).length;
    expect(count(200)).toBe(0);
    // The address's allowance (30) is the most that ever reach the password check; the rest are refused unread.
    expect(count(401)).toBeLessThanOrEqual(30);
    // Refused with 429 until the address has struck out (20 refusals in a row); after that its connections close.
    expect(count(429)).toBeGreaterThanOrEqual(20);
    expect(count(429) + count(0)).toBeGreaterThanOrEqual(all.length - 30);
    const limited = all.find((a) => a.status === 429 && a.body?.errors?.[0]?.message.includes('此设备'));
    expect(limited?.retryAfter).toMatch(/^[1-9][0-9]*$/);
    expect(limited?.connection).toBe('close');
    expect(limited?.body?.errors?.[0]?.message).toMatch(CHINESE);
    expect(limited?.body?.errors?.[0]?.message).toMatch(/秒后再试/);
    // An address that keeps coming while refused is cut off at the socket: held unread, no HTTP work at all.
    expect(sustained.map((a) => a.status)).toEqual([0, 0, 0]);
    expect(clientLimiter(t.agent.server)?.stats.held).toBeGreaterThan(0);

    // Another counter's address signs in, and the signed-in counter scans.
    const other = await signIn('127.0.0.3', 'counter2', '2468');
    expect(other.status).toBe(200);
    expect(other.cookie).toMatch(/^ca_session=/);
    const scanned = await t.scan(sale, codeOf('AMOX', 1));
    expect(scanned.status).toBe(200);
  });

  it('never limits a signed-in caller, however many requests it makes', async () => {
    const answers = await Promise.all(Array.from({ length: 300 }, () => t.api('GET', '/api/health', undefined, TOKENS.cashier)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
  });
});
