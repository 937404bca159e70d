// What the serial and HID scanners share: state and status, events, and reconnecting with exponential
// backoff on timers (never a tight loop). A subclass only knows how to connect and release its device.

import { EventEmitter } from 'node:events';
import type { DeviceAdapter, DeviceState, DeviceStatus } from '../types.js';

export interface BackoffOptions {
  /** First retry delay after a failure; default 500 ms. */
  initialMs?: number;
  /** Delay cap; default 30 s. */
  maxMs?: number;
}

/** Thrown by connect() when the device is not there (unplugged): state `missing`, not `error`. */
export class DeviceMissingError extends Error {
  override name = 'DeviceMissingError';
}

export interface AdapterIdentity {
  id: string;
  type: string;
  counter: string;
  /** Device path or USB ids as configured, for the technician. */
  path: string;
}

export abstract class ReconnectingScanner extends EventEmitter implements DeviceAdapter {
  readonly id: string;
  private readonly type: string;
  private readonly counter: string;
  /** Shown in status; a subclass may refine it once it knows the real node (e.g. /dev/hidraw3). */
  protected statusPath: string;
  private state: DeviceState = 'stopped';
  private error: string | undefined;
  private since = new Date().toISOString();
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private delayMs: number;
  /** Bumped on every stop() and every loss, so a late connect or a stale handle's event is ignored. */
  protected generation = 0;

  constructor(who: AdapterIdentity, backoff: BackoffOptions = {}) {
    super();
    this.id = who.id;
    this.type = who.type;
    this.counter = who.counter;
    this.statusPath = who.path;
    this.initialMs = backoff.initialMs ?? 500;
    this.maxMs = backoff.maxMs ?? 30_000;
    this.delayMs = this.initialMs;
  }

  /** Open the device and start delivering data; throw DeviceMissingError when it is not there. */
  protected abstract connect(generation: number): Promise<void>;
  /** Close whatever connect() opened; must not throw and must be safe to call twice. */
  protected abstract release(): Promise<void>;

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.attempt(this.generation);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.generation++;
    this.clearTimer();
    // Let an open in progress finish (it sees the new generation and closes what it opened), so a
    // start() right after stop() cannot meet a stale handle; a hung open is not waited for forever.
    if (this.inflight) await Promise.race([this.inflight, new Promise((r) => setTimeout(r, 2000).unref())]);
    await this.release();
    this.setState('stopped', undefined);
  }

  status(): DeviceStatus {
    const s: DeviceStatus = { id: this.id, kind: 'scanner', type: this.type, path: this.statusPath, counter: this.counter, state: this.state, since: this.since };
    if (this.error !== undefined) s.error = this.error;
    return s;
  }

  /** Current retry delay (for tests and logs). */
  get retryDelayMs(): number {
    return this.delayMs;
  }

  /** A subclass calls this when an open device goes away (unplug, read error, port closed). */
  protected lost(generation: number, err: unknown, missing: boolean): void {
    if (generation !== this.generation || !this.running) return;
    this.generation++;
    const gen = this.generation;
    void this.release().then(() => {
      if (gen !== this.generation || !this.running) return;
      this.setState(missing ? 'missing' : 'error', describe(err));
      this.schedule(gen);
    });
  }

  protected emitScan(text: string, symbology: string | undefined): void {
    const e: { deviceId: string; text: string; symbology?: string; at: Date } = { deviceId: this.id, text, at: new Date() };
    if (symbology !== undefined) e.symbology = symbology;
    this.emit('scan', e);
  }

  protected warn(message: string): void {
    this.emit('warning', { deviceId: this.id, message });
  }

  private async attempt(gen: number): Promise<void> {
    if (gen !== this.generation || !this.running) return;
    const run = this.tryOnce(gen);
    this.inflight = run;
    try {
      await run;
    } finally {
      if (this.inflight === run) this.inflight = undefined;
    }
  }

  private async tryOnce(gen: number): Promise<void> {
    try {
      await this.connect(gen);
    } catch (err) {
      if (gen !== this.generation || !this.running) return;
      await this.release();
      this.setState(err instanceof DeviceMissingError ? 'missing' : 'error', describe(err));
      this.schedule(gen);
      return;
    }
    if (gen !== this.generation || !this.running) {
      // stop() happened while we were opening: the handle we just opened is ours to close.
      await this.release();
      return;
    }
    this.delayMs = this.initialMs;
    this.setState('connected', undefined);
  }

  private schedule(gen: number): void {
    this.clearTimer();
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.maxMs);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.attempt(gen);
    }, delay);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A status event on every change of state; a new reason within the same state only updates status(). */
  private setState(state: DeviceState, error: string | undefined): void {
    this.error = error;
    if (state === this.state) return;
    this.state = state;
    this.since = new Date().toISOString();
    this.emit('status', this.status());
  }
}

export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
