// What every scanner adapter shares: identity, state and status, and its events. ReconnectingScanner
// adds the common reconnect loop (device/reconnect.ts) for a scanner that opens its own device (HID);
// the serial scanner gets the same loop through its reconnecting serial port.

import { EventEmitter } from 'node:events';
import { type BackoffPolicy, backoffPolicy } from '../../common/backoff.js';
import { DeviceMissingError, describe, Reconnector } from '../reconnect.js';
import type { DeviceAdapter, DeviceState, DeviceStatus } from '../types.js';

export { DeviceMissingError, describe };

/** Reconnect delays: first `initialMs` (default 500 ms), doubling up to `maxMs` (default 30 s). */
export type BackoffOptions = Partial<BackoffPolicy>;
export const SCANNER_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000 };

export interface AdapterIdentity {
  id: string;
  type: string;
  counter: string;
  /** Device path or USB ids as configured, for the technician. */
  path: string;
}

export abstract class ScannerAdapter extends EventEmitter implements DeviceAdapter {
  readonly id: string;
  private readonly type: string;
  private readonly counter: string;
  /** Shown in status; a subclass may refine it once it knows the real node (e.g. /dev/hidraw3). */
  protected statusPath: string;
  private state: DeviceState = 'stopped';
  private error: string | undefined;
  private since = new Date().toISOString();

  constructor(who: AdapterIdentity) {
    super();
    this.id = who.id;
    this.type = who.type;
    this.counter = who.counter;
    this.statusPath = who.path;
  }

  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;

  status(): DeviceStatus {
    const s: DeviceStatus = {
      id: this.id,
      kind: 'scanner',
      type: this.type,
      path: this.statusPath,
      counter: this.counter,
      state: this.state,
      since: this.since,
    };
    if (this.error !== undefined) s.error = this.error;
    return s;
  }

  protected emitScan(text: string, symbology: string | undefined): void {
    const e: { deviceId: string; text: string; symbology?: string; at: Date } = { deviceId: this.id, text, at: new Date() };
    if (symbology !== undefined) e.symbology = symbology;
    this.emit('scan', e);
  }

  protected warn(message: string): void {
    this.emit('warning', { deviceId: this.id, message });
  }

  /** A status event on every change of state; a new reason within the same state only updates status(). */
  protected setState(state: DeviceState, error: string | undefined): void {
    this.error = error;
    if (state === this.state) return;
    this.state = state;
    this.since = new Date().toISOString();
    this.emit('status', this.status());
  }
}

/** A scanner that opens its device itself: a subclass only knows how to connect and release it. */
export abstract class ReconnectingScanner extends ScannerAdapter {
  private readonly loop: Reconnector;

  constructor(who: AdapterIdentity, backoff: BackoffOptions = {}) {
    super(who);
    this.loop = new Reconnector(
      { connect: (gen) => this.connect(gen), release: () => this.release() },
      { backoff: backoffPolicy(backoff, SCANNER_BACKOFF), onState: (state, error) => this.setState(state, error) },
    );
  }

  /** Open the device and start delivering data; throw DeviceMissingError when it is not there. */
  protected abstract connect(generation: number): Promise<void>;
  /** Close whatever connect() opened; must not throw and must be safe to call twice. */
  protected abstract release(): Promise<void>;

  start(): Promise<void> {
    return this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Current retry delay (for tests and logs). */
  get retryDelayMs(): number {
    return this.loop.retryDelayMs;
  }

  /** A subclass calls this when an open device goes away (unplug, read error, port closed). */
  protected lost(generation: number, err: unknown, missing: boolean): void {
    this.loop.lost(generation, err, missing);
  }
}
