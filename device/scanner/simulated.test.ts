import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScannerConfig } from '../../config/schema.js';
import { HidScanner } from './hid.js';
import { createScanner } from './index.js';
import { FakeNodeHid, record, tempDir, until, writeChunks } from './scanner.test-helpers.js';
import { SerialScanner } from './serial.js';
import { SimulatedScanner } from './simulated.js';

let tmp: ReturnType<typeof tempDir>;
const adapters: { stop(): Promise<void> }[] = [];
beforeEach(() => {
  tmp = tempDir();
});
afterEach(async () => {
  for (const a of adapters.splice(0)) await a.stop();
  tmp.cleanup();
});

const base = { counter: 'counter-1', baudRate: 9600, delimiter: '\r', mode: 'pos', role: 'scanner' } as const;

describe('SimulatedScanner', () => {
  it('feed(text) emits a scan (the counter page in demo mode)', async () => {
    const s = new SimulatedScanner({ id: 'sim', counter: 'counter-1' });
    adapters.push(s);
    const r = record(s);
    await s.start();
    expect(s.status()).toMatchObject({ state: 'connected', type: 'simulated', path: 'simulated (counter page)' });
    s.feed('81000000000000000001');
    s.feed('0106901234567892\x1d21X', ']d2');
    expect(r.scans.map(({ text, symbology, deviceId }) => ({ text, symbology, deviceId }))).toEqual([
      { text: '81000000000000000001', symbology: undefined, deviceId: 'sim' },
      { text: '0106901234567892\x1d21X', symbology: ']d2', deviceId: 'sim' },
    ]);
  });

  it('with a path, owns a socat pty a person can write scans to; stop() ends socat and removes the link', async () => {
    const path = join(tmp.dir, 'scanner');
    const s = new SimulatedScanner({ id: 'sim', counter: 'counter-1', path, delimiter: '\r' });
    adapters.push(s);
    const r = record(s);
    await s.start();
    expect(s.status()).toMatchObject({ state: 'connected', path });
    expect(s.ptyPath).toBe(path);
    await writeChunks(path, ['81000000000000000002\r']); // what `printf '...\r' > PATH` does
    await writeChunks(path, ['81000000000000000003\r']);
    await until('two scans', () => r.scans.length === 2);
    expect(r.scans.map((e) => e.text)).toEqual(['81000000000000000002', '81000000000000000003']);
    await s.stop();
    expect(existsSync(path)).toBe(false);
    expect(s.status().state).toBe('stopped');
  });

  it('without socat: status error naming the path, feed() still works', async () => {
    const path = join(tmp.dir, 'scanner');
    const s = new SimulatedScanner({ id: 'sim', counter: 'counter-1', path, socat: join(tmp.dir, 'no-such-socat') });
    adapters.push(s);
    const r = record(s);
    await s.start();
    expect(s.status().state).toBe('error');
    expect(s.status().error).toContain(path);
    s.feed('81000000000000000004');
    expect(r.scans).toHaveLength(1);
  });
});

describe('createScanner', () => {
  it('builds the adapter for each configured type', async () => {
    const serial: ScannerConfig = { ...base, id: 's', type: 'serial', path: join(tmp.dir, 'ttyACM9') };
    const hidConfig: ScannerConfig = { ...base, id: 'h', type: 'hid', vendorId: 0x0c2e, productId: 0x0b61 };
    const sim: ScannerConfig = { ...base, id: 'm', type: 'simulated' };
    const hid = new FakeNodeHid();
    const backoff = { initialMs: 60_000 };
    const a = createScanner(serial, { backoff });
    const b = createScanner(hidConfig, { hid, backoff });
    const c = createScanner(sim);
    adapters.push(a, b, c);
    expect(a).toBeInstanceOf(SerialScanner);
    expect(b).toBeInstanceOf(HidScanner);
    expect(c).toBeInstanceOf(SimulatedScanner);
    await Promise.all([a.start(), b.start(), c.start()]);
    expect([a, b, c].map((x) => [x.id, x.status().state, x.status().path])).toEqual([
      ['s', 'missing', serial.path],
      ['h', 'missing', 'usb 0c2e:0b61'],
      ['m', 'connected', 'simulated (counter page)'],
    ]);
  });
});
