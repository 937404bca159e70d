// Simulated scanner, so the box runs on a laptop. feed(text) emits a scan (the counter page in demo
// mode). With a path configured it also owns a socat pty pair: the far end appears at that path, and
// a SerialScanner reads the near end, so a person or a script can type
//   printf '81000000000000000001\r' > PATH
// and the scan goes through the same serial code as a real scanner.

import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScanDelimiter } from '../../config/schema.js';
import { openPtyPair, type PtyPair } from '../pty.js';
import type { DeviceAdapter, DeviceState, DeviceStatus, ScanEvent } from '../types.js';
import { describe } from './base.js';
import { SerialScanner } from './serial.js';

export interface SimulatedScannerOptions {
  id: string;
  counter: string;
  /** Where the writable end of the pty appears; no pty without it. */
  path?: string | undefined;
  delimiter?: ScanDelimiter;
  prefix?: string | undefined;
  suffix?: string | undefined;
  /** socat binary; default `socat` from PATH. */
  socat?: string;
}

export class SimulatedScanner extends EventEmitter implements DeviceAdapter {
  readonly id: string;
  private readonly opts: SimulatedScannerOptions;
  private state: DeviceState = 'stopped';
  private error: string | undefined;
  private since = new Date().toISOString();
  private pty: PtyPair | undefined;
  private dir: string | undefined;
  private reader: SerialScanner | undefined;

  constructor(opts: SimulatedScannerOptions) {
    super();
    this.id = opts.id;
    this.opts = opts;
  }

  /** Emits a scan as if scanned (text as given: no prefix/suffix handling). */
  feed(text: string, symbology?: string): ScanEvent {
    const e: ScanEvent = { deviceId: this.id, text, at: new Date() };
    if (symbology !== undefined) e.symbology = symbology;
    this.emit('scan', e);
    return e;
  }

  /** The pty path a person writes scans to, once started (undefined without a configured path). */
  get ptyPath(): string | undefined {
    return this.pty?.b;
  }

  async start(): Promise<void> {
    if (this.state !== 'stopped') return;
    const path = this.opts.path;
    if (path === undefined) {
      this.setState('connected', undefined);
      return;
    }
    try {
      this.dir = mkdtempSync(join(tmpdir(), `counter-agent-sim-${this.id}-`));
      const near = join(this.dir, 'scanner');
      this.pty = await openPtyPair(near, path, this.opts.socat === undefined ? {} : { socat: this.opts.socat });
      const reader = new SerialScanner({
        id: this.id,
        counter: this.opts.counter,
        path: near,
        baudRate: 9600,
        delimiter: this.opts.delimiter ?? '\r',
        prefix: this.opts.prefix,
        suffix: this.opts.suffix,
        backoff: { initialMs: 200, maxMs: 2000 },
      });
      reader.on('scan', (e) => this.emit('scan', e));
      reader.on('warning', (w) => this.emit('warning', w));
      reader.on('status', (s) => this.setState(s.state === 'stopped' ? this.state : s.state, s.error));
      this.reader = reader;
      await reader.start();
      this.setState(reader.status().state, reader.status().error);
    } catch (err) {
      await this.teardown();
      // feed() still works; only the pty is unavailable.
      this.setState('error', `simulated scanner pty ${path}: ${describe(err)} (is socat installed?)`);
    }
  }

  async stop(): Promise<void> {
    await this.teardown();
    this.setState('stopped', undefined);
  }

  private async teardown(): Promise<void> {
    const reader = this.reader;
    const pty = this.pty;
    this.reader = undefined;
    this.pty = undefined;
    if (reader) {
      reader.removeAllListeners('status');
      await reader.stop();
    }
    if (pty) await pty.close();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  status(): DeviceStatus {
    const s: DeviceStatus = {
      id: this.id,
      kind: 'scanner',
      type: 'simulated',
      path: this.opts.path ?? 'simulated (counter page)',
      counter: this.opts.counter,
      state: this.state,
      since: this.since,
    };
    if (this.error !== undefined) s.error = this.error;
    return s;
  }

  private setState(state: DeviceState, error: string | undefined): void {
    if (state === this.state && error === this.error) return;
    this.state = state;
    this.error = error;
    this.since = new Date().toISOString();
    this.emit('status', this.status());
  }
}
