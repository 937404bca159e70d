// Type=notify as systemd sees it: a real `counter-agent run` process (bin/counter-agent.js) started with
// NOTIFY_SOCKET pointing at a datagram socket this test made, and WATCHDOG_USEC set. It must say READY=1
// only once its web server answers, carry a STATUS line, ping the watchdog every WATCHDOG_USEC/2, and say
// STOPPING=1 when told to stop.
//
// It runs with a small config (embedded platform simulator, port 0) rather than demo mode: demo mode
// listens on the fixed port 8080, which another test or a developer's `npm start` may hold.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { field, type NotifyReceiver, startNotifyReceiver } from '../agent/service/notify-receiver.test-helpers.js';
import { tempDir } from './helpers.js';

const BIN = fileURLToPath(new URL('../bin/counter-agent.js', import.meta.url));
const WATCHDOG_USEC = 800_000; // pings every 400 ms

let tmp: { dir: string; cleanup: () => void };
let receiver: NotifyReceiver;
let agent: ChildProcess | undefined;

beforeAll(async () => {
  if (!existsSync(fileURLToPath(new URL('../dist/agent/service/sd-notify.js', import.meta.url)))) {
    throw new Error('dist/ is missing or older than agent/service/: run `npm run build` (npm test does it) first');
  }
  tmp = tempDir('counter-agent-sdnotify-');
  receiver = await startNotifyReceiver(join(tmp.dir, 'notify.sock'));
});
afterAll(() => {
  agent?.kill('SIGKILL');
  receiver?.close();
  tmp?.cleanup();
});

const has = (name: string) => (m: { fields: string[] }) => m.fields.includes(name);

describe('counter-agent run under a notify socket', () => {
  it('sends READY=1 once it serves, a STATUS line, WATCHDOG=1 pings, and STOPPING=1 on SIGTERM', async () => {
    const config = join(tmp.dir, 'counter-agent.yaml');
    writeFileSync(
      config,
      'store: { code: P13010200001, name: 测试药店, admdvs: "130102" }\nplatform: { simulator: true }\nhttp: { host: 127.0.0.1, port: 0 }\ndataDir: ./data\n',
    );
    let output = '';
    const child = spawn(process.execPath, [BIN, 'run', '--config', config], {
      cwd: tmp.dir,
      env: { ...process.env, COUNTER_AGENT_CONFIG: '', NOTIFY_SOCKET: receiver.path, WATCHDOG_USEC: String(WATCHDOG_USEC) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    agent = child;
    child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // A failure shows what the agent printed.
    const explained = <T>(p: Promise<T>) => p.catch((err: Error) => Promise.reject(new Error(`${err.message}\nagent output:\n${output.slice(-3000)}`)));

    const ready = await explained(receiver.waitFor('READY=1', has('READY=1'), 20_000));
    const status = field(ready, 'STATUS') ?? '';
    expect(status).toMatch(/^serving http:\/\/127\.0\.0\.1:\d+, backlog \d+/);
    // READY means a client can be served now: the URL in the STATUS line answers.
    const url = /http:\/\/127\.0\.0\.1:\d+/.exec(status)![0];
    const health = await fetch(`${url}/api/health`);
    expect(health.status).toBe(200);
    // A STATUS line came before READY too (starting), so `systemctl status` is never blank.
    expect(receiver.messages.findIndex((m) => field(m, 'STATUS')?.startsWith('starting'))).toBeLessThan(receiver.messages.indexOf(ready));

    const readyIndex = receiver.messages.indexOf(ready);
    const firstPing = await receiver.waitFor('WATCHDOG=1', has('WATCHDOG=1'), 10_000, readyIndex - 1);
    const afterFirst = receiver.messages.indexOf(firstPing);
    const secondPing = await receiver.waitFor('a second WATCHDOG=1', has('WATCHDOG=1'), 10_000, afterFirst);
    const gap = secondPing.at - firstPing.at;
    expect(gap).toBeGreaterThan(WATCHDOG_USEC / 2 / 1000 / 2);
    expect(gap).toBeLessThan(WATCHDOG_USEC / 1000); // well inside the watchdog period

    child.kill('SIGTERM');
    await explained(receiver.waitFor('STOPPING=1', has('STOPPING=1'), 15_000));
    expect(await exited).toBe(0);
    // journald shows the technician that the agent saw the socket and which watchdog period it keeps.
    expect(output).toContain(`"watchdogMs":${WATCHDOG_USEC / 2000}`);
  });
});
