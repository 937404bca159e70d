// One serial port that stays open: the base of the serial scanners and the 二代证 ID reader. It opens
// `serialport` with the hang-up fix (hangup-binding.ts), and when the device is absent, unplugged, hung up
// or fails it releases the port and reopens it on the common reconnect loop (device/reconnect.ts, with
// the common backoff). It emits typed events: `state` (connected / missing / error / stopped, with the
// reason, on every attempt) and `data` (the bytes as read). What the bytes mean is the adapter's business.
//
// Absent path -> `missing`; a path that exists but cannot be opened (not a tty, permissions) -> `error`;
// an open port that closes -> `missing` when its path is gone (unplugged), else `error`.

import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import type { BackoffPolicy } from '../../common/backoff.js';
import { DeviceMissingError, describe, Reconnector } from '../reconnect.js';
import type { DeviceState } from '../types.js';
import { eofIsDisconnect } from './hangup-binding.js';

/** The part of a `serialport` SerialPort used here. */
export interface SerialPortLike {
  open(callback: (err: Error | null) => void): void;
  close(callback?: (err: Error | null) => void): void;
  write(data: Buffer, callback?: (err: Error | null | undefined) => void): boolean;
  readonly isOpen: boolean;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'close', listener: (err?: Error | null) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  removeAllListeners(): this;
}
export type SerialPortConstructor = new (options: { path: string; baudRate: number; autoOpen: false }) => SerialPortLike;

/** The reasons shown in status, naming the path and what to check (each adapter words its own). */
export interface SerialPortMessages {
  missing(path: string): string;
  openFailed(path: string, reason: string): string;
  gone(path: string, unplugged: boolean, reason: string): string;
}

export interface ReconnectingSerialPortOptions {
  path: string;
  baudRate: number;
  backoff: BackoffPolicy;
  /** See ReconnectOptions.resetBackoffOn: 'connect' (default) or 'manual' (the adapter calls resetBackoff()). */
  resetBackoffOn?: 'connect' | 'manual';
  messages: SerialPortMessages;
  /** Defaults to `serialport`'s SerialPort with the hang-up fix, imported on first use. */
  SerialPort?: SerialPortConstructor;
}

export interface SerialLinkState {
  state: DeviceState;
  error?: string;
}

export interface ReconnectingSerialPortEvents {
  state: [SerialLinkState];
  data: [Buffer];
}

export class ReconnectingSerialPort extends EventEmitter<ReconnectingSerialPortEvents> {
  readonly path: string;
  private readonly opts: ReconnectingSerialPortOptions;
  private readonly loop: Reconnector;
  private port: SerialPortLike | undefined;
  private current: SerialLinkState = { state: 'stopped' };

  constructor(opts: ReconnectingSerialPortOptions) {
    super();
    this.path = opts.path;
    this.opts = opts;
    this.loop = new Reconnector(
      { connect: (gen) => this.connect(gen), release: () => this.release() },
      {
        backoff: opts.backoff,
        ...(opts.resetBackoffOn ? { resetBackoffOn: opts.resetBackoffOn } : {}),
        onState: (state, error) => {
          this.current = error === undefined ? { state } : { state, error };
          this.emit('state', this.current);
        },
      },
    );
  }

  /** Never throws for an absent or broken device: that is a state, retried in the background. */
  start(): Promise<void> {
    return this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  get state(): SerialLinkState {
    return this.current;
  }

  /** The delay before the next reopen (for tests and logs). */
  get retryDelayMs(): number {
    return this.loop.retryDelayMs;
  }

  /** With resetBackoffOn 'manual': the device answered, so the next loss starts again from initialMs. */
  resetBackoff(): void {
    this.loop.resetBackoff();
  }

  /** Writes to the open port; false when it is not open. A write error also closes the port (a loss). */
  write(data: Buffer, callback?: (err: Error | null | undefined) => void): boolean {
    const port = this.port;
    if (!port?.isOpen) return false;
    port.write(data, callback);
    return true;
  }

  private async connect(gen: number): Promise<void> {
    const { path, baudRate, messages } = this.opts;
    if (!existsSync(path)) throw new DeviceMissingError(messages.missing(path));
    const Ctor = this.opts.SerialPort ?? (await loadSerialPort());
    const port = new Ctor({ path, baudRate, autoOpen: false });
    this.port = port;
    // Listeners before open(): an 'error' with no listener would throw.
    port.on('error', (err) => this.gone(gen, err));
    port.on('close', (err) => this.gone(gen, err ?? new Error('port closed')));
    await new Promise<void>((resolve, reject) =>
      port.open((err) => {
        if (!err) return resolve();
        const reason = messages.openFailed(path, err.message);
        reject(/ENOENT|No such file/i.test(err.message) ? new DeviceMissingError(reason) : new Error(reason));
      }),
    );
    port.on('data', (chunk) => this.emit('data', chunk));
  }

  private async release(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (!port) return;
    port.removeAllListeners();
    port.on('error', () => undefined);
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private gone(gen: number, err: Error): void {
    const { path, messages } = this.opts;
    const unplugged = !existsSync(path);
    this.loop.lost(gen, new Error(messages.gone(path, unplugged, describe(err))), unplugged);
  }
}

let hangupAware: Promise<SerialPortConstructor> | undefined;

/** `serialport`'s SerialPort with the hang-up fix, imported on first use (a box without serial devices never loads the addon). */
function loadSerialPort(): Promise<SerialPortConstructor> {
  hangupAware ??= import('serialport').then(({ SerialPort }) => {
    const binding = eofIsDisconnect(SerialPort.binding);
    return class HangupAwareSerialPort extends SerialPort {
      constructor(options: { path: string; baudRate: number; autoOpen: false }) {
        super({ ...options, binding } as ConstructorParameters<typeof SerialPort>[0]);
      }
    };
  });
  hangupAware.catch(() => (hangupAware = undefined)); // a failed import is tried again on the next attempt
  return hangupAware;
}
