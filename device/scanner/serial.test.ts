// SerialScanner on real pseudo-terminals: socat makes a pty pair, the scanner opens one end with
// serialport, the test writes bytes to the other end as a scanner would.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScanDelimiter } from '../../config/schema.js';
import { openPtyPair, type PtyPair } from '../pty.js';
import { record, sleep, tempDir, until, writeChunks } from './scanner.test-helpers.js';
import { SerialScanner, type SerialScannerOptions } from './serial.js';

let tmp: ReturnType<typeof tempDir>;
let a: string;
let b: string;
const pairs: PtyPair[] = [];
const scanners: SerialScanner[] = [];

beforeEach(() => {
  tmp = tempDir();
  a = join(tmp.dir, 'a');
  b = join(tmp.dir, 'b');
});
afterEach(async () => {
  for (const s of scanners.splice(0)) await s.stop();
  for (const p of pairs.splice(0)) await p.kill();
  tmp.cleanup();
});

async function pty(): Promise<PtyPair> {
  const p = await openPtyPair(a, b);
  pairs.push(p);
  return p;
}

async function scanner(opts: Partial<SerialScannerOptions> = {}): Promise<{ s: SerialScanner; r: ReturnType<typeof record> }> {
  const s = new SerialScanner({
    id: 'scanner-1',
    counter: 'counter-1',
    path: a,
    baudRate: 9600,
    delimiter: '\r',
    backoff: { initialMs: 50, maxMs: 200 },
    ...opts,
  });
  scanners.push(s);
  const r = record(s);
  await s.start();
  return { s, r };
}

describe('SerialScanner on a socat pty pair', () => {
  it.each<[ScanDelimiter, string]>([
    ['\r', 'CR'],
    ['\n', 'LF'],
    ['\r\n', 'CR LF'],
  ])('reads a scan ended by %j (%s)', async (delimiter) => {
    await pty();
    const { s, r } = await scanner({ delimiter });
    expect(s.status()).toMatchObject({ state: 'connected', path: a, type: 'serial', kind: 'scanner' });
    await writeChunks(b, [`81000000000000000001${delimiter}81000000000000000002${delimiter}`]);
    await until('two scans', () => r.scans.length === 2);
    expect(r.scans.map((e) => e.text)).toEqual(['81000000000000000001', '81000000000000000002']);
    expect(r.scans[0]).toMatchObject({ deviceId: 'scanner-1' });
    expect(r.scans[0]?.at).toBeInstanceOf(Date);
    expect(r.scans[0]?.symbology).toBeUndefined();
  });

  it('joins a scan split across several writes with pauses', async () => {
    await pty();
    const { r } = await scanner();
    await writeChunks(b, ['8100', '00000000', '000000', '03\r'], 80);
    await until('one scan', () => r.scans.length === 1);
    await sleep(100);
    expect(r.scans.map((e) => e.text)).toEqual(['81000000000000000003']);
    expect(r.warnings).toEqual([]);
  });

  it('keeps GS (0x1D) bytes intact and splits a leading AIM id into symbology', async () => {
    await pty();
    const { r } = await scanner();
    const gs1 = '0106901234567892\x1d21ABC123\x1d10LOT9';
    await writeChunks(b, [`]d2${gs1}\r`, `${gs1}\r`]);
    await until('two scans', () => r.scans.length === 2);
    expect(r.scans[0]).toMatchObject({ text: gs1, symbology: ']d2' });
    expect(r.scans[1]?.text).toBe(gs1);
    expect([...(r.scans[1]?.text ?? '')].filter((c) => c === '\x1d')).toHaveLength(2);
  });

  it('strips the configured prefix and suffix; warns and keeps a scan that lacks them', async () => {
    await pty();
    const { r } = await scanner({ prefix: '\x02', suffix: '#' });
    await writeChunks(b, ['\x0281000000000000000004#\r', '81000000000000000005\r']);
    await until('two scans', () => r.scans.length === 2);
    expect(r.scans.map((e) => e.text)).toEqual(['81000000000000000004', '81000000000000000005']);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/lacks the configured prefix "\\u0002" and suffix "#"/);
  });

  it('survives garbage: invalid UTF-8 and control bytes come through byte for byte, the next scan is clean', async () => {
    await pty();
    const { s, r } = await scanner();
    const garbage = [0xff, 0xfe, 0x80, 0xc3, 0x28, 0x00, 0x07, 0x1b, 0x5b, 0x41, 0xed, 0xa0, 0x80];
    await writeChunks(b, [[...garbage, 0x0d], '\n\n\r', 'OK123\r']);
    await until('two scans', () => r.scans.length === 2);
    expect(Buffer.from(r.scans[0]?.text ?? '', 'latin1')).toEqual(Buffer.from(garbage));
    expect(r.scans[1]?.text).toBe('OK123');
    expect(s.status().state).toBe('connected');
  });

  it('discards a partial scan after the timeout with a warning, instead of gluing it to the next scan', async () => {
    await pty();
    const { r } = await scanner({ partialTimeoutMs: 100 });
    await writeChunks(b, ['8100000']);
    await until('a warning', () => r.warnings.length === 1);
    expect(r.warnings[0]).toMatch(/partial scan 8100000 discarded/);
    await writeChunks(b, ['81000000000000000006\r']);
    await until('one scan', () => r.scans.length === 1);
    expect(r.scans[0]?.text).toBe('81000000000000000006');
  });

  it('goes missing when socat ends (links removed), then reconnects by itself when it is back', async () => {
    const first = await pty();
    const { s, r } = await scanner();
    await first.close();
    await until('missing', () => s.status().state === 'missing');
    expect(s.status().path).toBe(a);
    expect(s.status().error).toContain(a);
    await sleep(300); // a few backoff rounds while the device is away
    await pty();
    await until('connected again', () => s.status().state === 'connected', 5000);
    await writeChunks(b, ['81000000000000000007\r']);
    await until('a scan after reconnecting', () => r.scans.length === 1);
    expect(r.scans[0]?.text).toBe('81000000000000000007');
    expect(r.statuses.map((x) => x.state)).toEqual(['connected', 'missing', 'connected']);
  });

  it('recovers after socat is killed outright (dangling links, read error) and restarted on the same links', async () => {
    const first = await pty();
    const { s, r } = await scanner();
    await first.kill();
    await until('missing or error', () => s.status().state !== 'connected');
    expect(['missing', 'error']).toContain(s.status().state);
    expect(s.status().error).toContain(a);
    await pty();
    await until('connected again', () => s.status().state === 'connected', 5000);
    await writeChunks(b, ['81000000000000000008\r']);
    await until('a scan', () => r.scans.length === 1);
    expect(r.scans[0]?.text).toBe('81000000000000000008');
  });

  it('starts with the device absent (missing, no throw) and connects when it appears', async () => {
    const { s, r } = await scanner();
    expect(s.status()).toMatchObject({ state: 'missing', path: a });
    expect(s.status().error).toMatch(/does not exist/);
    await pty();
    await until('connected', () => s.status().state === 'connected', 5000);
    await writeChunks(b, ['81000000000000000009\r']);
    await until('a scan', () => r.scans.length === 1);
  });

  it('reports error (not missing) with the path when the path is not a serial port', async () => {
    writeFileSync(a, 'not a tty');
    const { s } = await scanner();
    expect(s.status().state).toBe('error');
    expect(s.status().error).toContain(`cannot open serial scanner ${a}`);
  });

  it('backs off exponentially up to the cap and stop() cancels the retry timer', async () => {
    const { s, r } = await scanner({ backoff: { initialMs: 40, maxMs: 160 } });
    await sleep(400);
    expect(s.retryDelayMs).toBe(160);
    await s.stop();
    expect(s.status().state).toBe('stopped');
    await pty();
    await sleep(400);
    expect(s.status().state).toBe('stopped');
    expect(r.statuses.map((x) => x.state)).toEqual(['missing', 'stopped']);
  });
});
