// Test helpers: temp dirs, writing to a pty end, waiting for events, and a fake node-hid.

import { EventEmitter } from 'node:events';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceAdapter, DeviceStatus, ScanEvent } from '../types.js';
import type { HidDeviceInfo, HidHandle, HidModule } from './hid.js';

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'counter-agent-scanner-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Writes byte chunks to a pty end through one file descriptor, pausing between chunks. */
export async function writeChunks(path: string, chunks: (string | number[])[], pauseMs = 0): Promise<void> {
  const fd = openSync(path, 'w');
  try {
    for (const [i, c] of chunks.entries()) {
      if (i > 0 && pauseMs > 0) await sleep(pauseMs);
      writeSync(fd, typeof c === 'string' ? Buffer.from(c, 'latin1') : Buffer.from(c));
    }
  } finally {
    closeSync(fd);
  }
}

/** Records an adapter's events. */
export function record(adapter: DeviceAdapter): { scans: ScanEvent[]; warnings: string[]; statuses: DeviceStatus[] } {
  const r = { scans: [] as ScanEvent[], warnings: [] as string[], statuses: [] as DeviceStatus[] };
  adapter.on('scan', (e) => r.scans.push(e));
  adapter.on('warning', (w) => r.warnings.push(w.message));
  adapter.on('status', (s) => r.statuses.push(s));
  return r;
}

/** Polls until `check` is true (every 10 ms) or fails after `timeoutMs`. */
export async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Hex as written in the tests ("02 0b 5d 64 32 ...", spaces and newlines ignored) to bytes. */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) throw new Error(`bad hex: ${s}`);
  return Uint8Array.from(clean.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
}

/** A 64-byte HID-POS report: id 0x02, length, AIM, data (zero padded), vendor id, reserved, flags. */
export function posReport(aim: string, data: string, more: boolean, vendorCodeId = 0): Uint8Array {
  const r = new Uint8Array(64);
  r[0] = 0x02;
  r[1] = data.length;
  for (let i = 0; i < 3; i++) r[2 + i] = aim.charCodeAt(i);
  for (let i = 0; i < data.length; i++) r[5 + i] = data.charCodeAt(i);
  r[61] = vendorCodeId;
  r[63] = more ? 0x01 : 0x00;
  return r;
}

export class FakeHidHandle extends EventEmitter implements HidHandle {
  closed = false;
  constructor(readonly path: string) {
    super();
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
  /** Delivers one input report as node-hid does ('data' with a Buffer). */
  send(report: Uint8Array): void {
    this.emit('data', Buffer.from(report));
  }
}

/** Something with node-hid's shape: devices() and HIDAsync.open(path). */
export class FakeNodeHid implements HidModule {
  list: HidDeviceInfo[] = [];
  handles: FakeHidHandle[] = [];
  enumerations = 0;
  devices = (): HidDeviceInfo[] => {
    this.enumerations++;
    return this.list.map((d) => ({ ...d }));
  };
  HIDAsync = {
    open: (path: string): Promise<HidHandle> => {
      if (!this.list.some((d) => d.path === path)) return Promise.reject(new Error(`cannot open device with path ${path}`));
      const h = new FakeHidHandle(path);
      this.handles.push(h);
      return Promise.resolve(h);
    },
  };
  get last(): FakeHidHandle {
    const h = this.handles[this.handles.length - 1];
    if (!h) throw new Error('no device opened yet');
    return h;
  }
}
