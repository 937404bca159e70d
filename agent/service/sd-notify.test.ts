// The notifier and the watchdog against a real datagram socket, through the real systemd-notify.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers.js';
import { field, type NotifyReceiver, startNotifyReceiver } from './notify-receiver.test-helpers.js';
import { SdNotifier } from './sd-notify.js';
import { startWatchdog, watchdogIntervalMs } from './watchdog.js';

let tmp: { dir: string; cleanup: () => void };
let receiver: NotifyReceiver;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  tmp = tempDir('counter-agent-notify-');
  receiver = await startNotifyReceiver(join(tmp.dir, 'notify.sock'));
  env = { NOTIFY_SOCKET: receiver.path, PATH: process.env.PATH };
});
afterEach(() => {
  receiver.close();
  tmp.cleanup();
});

const has = (name: string) => (m: { fields: string[] }) => m.fields.includes(name);

describe('SdNotifier', () => {
  it('delivers READY=1 with its STATUS line in one datagram, then STOPPING=1', async () => {
    const n = new SdNotifier({ env });
    expect(n.enabled).toBe(true);
    n.notify({ ready: true, status: 'serving http://127.0.0.1:8080, backlog 0' });
    const ready = await receiver.waitFor('READY=1', has('READY=1'));
    expect(field(ready, 'STATUS')).toBe('serving http://127.0.0.1:8080, backlog 0');
    n.notify({ stopping: true, status: 'stopping\nnow' });
    await n.flush();
    const stopping = await receiver.waitFor('STOPPING=1', has('STOPPING=1'));
    expect(field(stopping, 'STATUS')).toBe('stopping now'); // one line: a newline would start a new assignment
  });

  it('is a no-op without NOTIFY_SOCKET: starts no process at all', async () => {
    const warnings: unknown[] = [];
    const n = new SdNotifier({ env: { PATH: process.env.PATH }, command: '/nonexistent/systemd-notify', log: { warn: (o: unknown) => warnings.push(o) } });
    expect(n.enabled).toBe(false);
    n.notify({ ready: true, watchdog: true, status: 'x' });
    await n.flush();
    expect(n.spawned).toBe(0);
    expect(warnings).toEqual([]);
  });

  it('runs one systemd-notify at a time: a burst of STATUS updates is merged, the newest wins', async () => {
    const n = new SdNotifier({ env, statusIntervalMs: 200 });
    for (let i = 1; i <= 50; i++) n.notify({ status: `backlog ${i}` });
    n.notify({ watchdog: true });
    await n.flush();
    const last = await receiver.waitFor('the last STATUS', (m) => field(m, 'STATUS') === 'backlog 50');
    expect(n.spawned).toBeLessThanOrEqual(3);
    expect(receiver.messages.length).toBe(n.spawned);
    // The watchdog flag asked for during the burst was not lost in the merge.
    expect(receiver.messages.some(has('WATCHDOG=1'))).toBe(true);
    expect(last.fields).toContain('STATUS=backlog 50');
  });

  it('logs once, and never throws, when systemd-notify cannot be run', async () => {
    const warnings: { problem: string }[] = [];
    const n = new SdNotifier({ env, command: join(tmp.dir, 'no-such-systemd-notify'), log: { warn: (o: unknown) => warnings.push(o as { problem: string }) } });
    n.notify({ ready: true });
    await n.flush();
    n.notify({ watchdog: true });
    await n.flush();
    expect(n.spawned).toBe(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.problem).toMatch(/cannot run .*no-such-systemd-notify: .*ENOENT/);
  });
});

describe('watchdog', () => {
  it('pings every WATCHDOG_USEC/2, only for the process systemd named', () => {
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30000000' }, 42)).toBe(15_000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' }, 42)).toBe(15_000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '41' }, 42)).toBeUndefined();
    expect(watchdogIntervalMs({}, 42)).toBeUndefined();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: 'abc' }, 42)).toBeUndefined();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '0' }, 42)).toBeUndefined();
  });

  it('stops pinging while the event loop is blocked, and resumes after', async () => {
    const n = new SdNotifier({ env });
    const dog = startWatchdog(n, 100);
    try {
      await receiver.waitFor('pings', () => receiver.messages.filter(has('WATCHDOG=1')).length >= 4, 10_000);
      const blockedFrom = Date.now();
      while (Date.now() - blockedFrom < 1500) {
        // a hung main loop: no timer can fire
      }
      const blockedTo = Date.now();
      const resumed = await receiver.waitFor('a ping after the loop was free again', (m) => has('WATCHDOG=1')(m) && m.at > blockedTo, 10_000);
      // A systemd-notify started just before the block may still land in its first moments.
      const duringBlock = receiver.messages.filter((m) => has('WATCHDOG=1')(m) && m.at > blockedFrom + 300 && m.at < blockedTo);
      expect(duringBlock).toEqual([]);
      expect(resumed.at - blockedTo).toBeLessThan(2000);
    } finally {
      dog.stop();
    }
  });
});
