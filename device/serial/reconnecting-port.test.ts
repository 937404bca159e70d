// The reconnecting serial port on real pseudo-terminals (socat): data both ways, unplug (socat killed)
// and replug on the same path, and the 'manual' backoff that only the adapter resets.

import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPtyPair, type PtyPair } from '../pty.js';
import { sleep, tempDir, until, writeChunks } from '../scanner/scanner.test-helpers.js';
import { ReconnectingSerialPort, type SerialLinkState } from './reconnecting-port.js';

let tmp: ReturnType<typeof tempDir>;
let a: string;
let b: string;
const pairs: PtyPair[] = [];
const ports: ReconnectingSerialPort[] = [];

beforeEach(() => {
  tmp = tempDir();
  a = join(tmp.dir, 'a');
  b = join(tmp.dir, 'b');
});
afterEach(async () => {
  for (const p of ports.splice(0)) await p.stop();
  for (const p of pairs.splice(0)) await p.kill();
  tmp.cleanup();
});

async function pty(): Promise<PtyPair> {
  const p = await openPtyPair(a, b);
  pairs.push(p);
  return p;
}

function port(resetBackoffOn: 'connect' | 'manual' = 'connect') {
  const p = new ReconnectingSerialPort({
    path: a,
    baudRate: 9600,
    backoff: { initialMs: 40, maxMs: 160 },
    resetBackoffOn,
    messages: {
      missing: (path) => `test port ${path} missing`,
      openFailed: (path, r) => `test port ${path}: ${r}`,
      gone: (path, unplugged, r) => `test port ${path} ${unplugged ? 'unplugged' : 'failed'}: ${r}`,
    },
  });
  ports.push(p);
  const states: SerialLinkState[] = [];
  const data: Buffer[] = [];
  p.on('state', (s) => states.push(s));
  p.on('data', (d) => data.push(d));
  return { p, states, data };
}

describe('ReconnectingSerialPort on a socat pty pair', () => {
  it('reads; unplugged (socat killed) it says so with its path, replugged it reads again', async () => {
    await pty();
    const { p, states, data } = port();
    await p.start();
    expect(p.state).toEqual({ state: 'connected' });
    await writeChunks(b, ['hello']);
    await until('data', () => Buffer.concat(data).toString() === 'hello');

    await pairs.pop()!.kill();
    await until('gone', () => p.state.state !== 'connected');
    expect(p.state.error).toContain(a);
    expect(p.write(Buffer.from('x'))).toBe(false);
    await sleep(300); // retries on the backoff while away, not a storm
    expect(states.length).toBeLessThan(15);

    await pty();
    await until('connected again', () => p.state.state === 'connected');
    await writeChunks(b, ['again']);
    await until('data after replug', () => Buffer.concat(data).toString() === 'helloagain');
    await p.stop();
    expect(p.state).toEqual({ state: 'stopped' });
  });

  it("'manual': a reopen does not reset the backoff, only resetBackoff() does", async () => {
    const { p } = port('manual');
    await p.start();
    expect(p.state).toEqual({ state: 'missing', error: `test port ${a} missing` });
    await sleep(300);
    expect(p.retryDelayMs).toBe(160);
    await pty();
    await until('connected', () => p.state.state === 'connected');
    expect(p.retryDelayMs).toBe(160); // a port that opens and drops at once is retried slowly
    p.resetBackoff(); // the device answered
    expect(p.retryDelayMs).toBe(40);
  });
});
