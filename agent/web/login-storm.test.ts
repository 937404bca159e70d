// Issue 15: the sign-in lockout holds under parallel requests. 200 wrong PINs for one cashier at once, then the
// right PIN while they are still in flight: at most 5 (the limit) get a password check and 401, the rest 429,
// and the right PIN is refused too (locked). One at a time it is still 401×5 then 429 (accounts.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLog, TOKENS, tempDir, testConfig } from '../../test/helpers.js';
import { hashQueue } from '../accounts/passwords.js';
import { type RunningAgent, startAgent } from '../app.js';

let agent: RunningAgent;
let tmp: { dir: string; cleanup: () => void };

beforeAll(async () => {
  tmp = tempDir();
  agent = await startAgent({ config: testConfig(tmp.dir), demo: false, log: silentLog() });
  const made = await fetch(`${agent.url}/api/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.manager}` },
    body: JSON.stringify({ username: 'storm', role: 'cashier', password: '4321' }),
  });
  expect(made.status).toBe(201);
});
afterAll(async () => {
  await agent?.close();
  tmp?.cleanup();
});

const login = (password: string) =>
  fetch(`${agent.url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'storm', password }),
  }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as { errors?: { code: string; message: string }[] },
  }));

describe('sign-in lockout under a parallel storm', () => {
  it('200 parallel wrong PINs plus the right one: at most 5 checked (401), the rest and the right PIN 429', async () => {
    const wrong = Array.from({ length: 200 }, (_, i) => login(String(5000 + i)));
    // The right PIN goes out in the same burst, once the first guesses have reached the box.
    const attempts = () => agent.ledger.db.prepare("SELECT COUNT(*) FROM login_attempts WHERE key = 'user:storm'").pluck().get() as number;
    await expect.poll(attempts, { timeout: 30_000, interval: 5 }).toBeGreaterThanOrEqual(5);
    const right = await login('4321');
    const answers = await Promise.all(wrong);
    const count = (s: number) => answers.filter((a) => a.status === s).length;
    expect(right.status).toBe(429);
    expect(right.body.errors?.[0]?.code).toBe('LOGIN_LOCKED');
    expect(count(401)).toBeLessThanOrEqual(5);
    expect(count(401) + count(429)).toBe(200);
    expect(answers.find((a) => a.status === 429)?.body.errors?.[0]?.message).toMatch(/次数过多/);
    expect(hashQueue()).toEqual({ running: 0, waiting: 0 });
  });
});
