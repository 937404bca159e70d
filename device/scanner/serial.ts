// Serial scanner (USB CDC ttyACM*, RS-232 through ttyUSB*, or a pty): `serialport` for the port,
// `@serialport/parser-readline` to cut scans at the configured delimiter. Decoding is latin1, one
// character per byte, so GS (0x1D) and bytes that are not valid UTF-8 reach the agent unchanged.
//
// Unplugged (path gone) -> `missing`; other open/read failures -> `error`; either way it retries with
// exponential backoff on a timer and recovers by itself when the device is back.

import { existsSync } from 'node:fs';
import { ReadlineParser } from '@serialport/parser-readline';
import type { ScanDelimiter } from '../../config/schema.js';
import { DeviceMissingError, ReconnectingScanner, describe, type BackoffOptions } from './base.js';
import { eofIsDisconnect } from './serial-binding.js';
import { printable, shapeScan } from './text.js';

/** The part of a `serialport` SerialPort this adapter uses. */
export interface SerialPortLike {
  open(callback: (err: Error | null) => void): void;
  close(callback?: (err: Error | null) => void): void;
  readonly isOpen: boolean;
  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'close', listener: (err?: Error | null) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  removeAllListeners(): this;
}
export type SerialPortConstructor = new (options: { path: string; baudRate: number; autoOpen: false }) => SerialPortLike;

export interface SerialScannerOptions {
  id: string;
  counter: string;
  path: string;
  baudRate: number;
  delimiter: ScanDelimiter;
  prefix?: string | undefined;
  suffix?: string | undefined;
  backoff?: BackoffOptions;
  /** A scan with no delimiter after this long is discarded with a warning; default 2000 ms. */
  partialTimeoutMs?: number;
  /** A line longer than this is noise, not a scan: discarded with a warning; default 4096 bytes. */
  maxLineBytes?: number;
  /** Defaults to `serialport`'s SerialPort, imported on first use. */
  SerialPort?: SerialPortConstructor;
}

export class SerialScanner extends ReconnectingScanner {
  private readonly opts: SerialScannerOptions;
  private port: SerialPortLike | undefined;
  private parser: ReadlineParser | undefined;
  private partialTimer: NodeJS.Timeout | undefined;

  constructor(opts: SerialScannerOptions) {
    super({ id: opts.id, type: 'serial', counter: opts.counter, path: opts.path }, opts.backoff);
    this.opts = opts;
  }

  protected async connect(gen: number): Promise<void> {
    const { path, baudRate } = this.opts;
    if (!existsSync(path)) throw new DeviceMissingError(`serial scanner ${path} does not exist (unplugged, or wrong scanners[].path)`);
    const Ctor = this.opts.SerialPort ?? (await loadSerialPort());
    const port = new Ctor({ path, baudRate, autoOpen: false });
    this.port = port;
    // Listeners before open(): an 'error' with no listener would throw.
    port.on('error', (err) => this.portGone(gen, err));
    port.on('close', (err) => this.portGone(gen, err ?? new Error('port closed')));
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(new Error(`cannot open serial scanner ${path}: ${err.message}`)) : resolve())));
    const parser = new ReadlineParser({ delimiter: this.opts.delimiter, encoding: 'latin1' });
    this.parser = parser;
    parser.on('data', (line: string) => this.line(line));
    // Not pipe(): a piped parser flushes its partial buffer as a line when the port ends, which would
    // turn a scan cut off by an unplug into a short, wrong code.
    port.on('data', (chunk) => this.chunk(parser, chunk));
  }

  protected async release(): Promise<void> {
    this.clearPartial();
    const port = this.port;
    const parser = this.parser;
    this.port = undefined;
    this.parser = undefined;
    if (parser) {
      if (parser.buffer.length > 0) this.warn(`serial scanner ${this.opts.path}: partial scan ${printable(parser.buffer.toString('latin1'))} discarded (device went away)`);
      parser.removeAllListeners();
      parser.destroy();
    }
    if (!port) return;
    port.removeAllListeners();
    port.on('error', () => undefined);
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private portGone(gen: number, err: Error): void {
    const { path } = this.opts;
    const missing = !existsSync(path);
    const why = missing ? `serial scanner ${path} disappeared (unplugged?)` : `serial scanner ${path} failed: ${describe(err)}`;
    this.lost(gen, new Error(why), missing);
  }

  private chunk(parser: ReadlineParser, chunk: Buffer): void {
    parser.write(chunk);
    this.clearPartial();
    const max = this.opts.maxLineBytes ?? 4096;
    if (parser.buffer.length > max) {
      this.warn(`serial scanner ${this.opts.path}: ${parser.buffer.length} bytes without a delimiter discarded (wrong scanners[].delimiter or baudRate?)`);
      parser.buffer = Buffer.alloc(0);
    } else if (parser.buffer.length > 0) {
      this.partialTimer = setTimeout(() => {
        this.partialTimer = undefined;
        if (parser.buffer.length === 0) return;
        this.warn(`serial scanner ${this.opts.path}: partial scan ${printable(parser.buffer.toString('latin1'))} discarded (no delimiter within ${this.partialMs} ms; check scanners[].delimiter)`);
        parser.buffer = Buffer.alloc(0);
      }, this.partialMs);
    }
  }

  private get partialMs(): number {
    return this.opts.partialTimeoutMs ?? 2000;
  }

  private line(raw: string): void {
    // A scanner sending CR LF with delimiter "\r" leaves the LF at the start of the next line (and the
    // reverse): stray line ends are never part of a barcode, so trim them.
    const line = raw.replace(/^[\r\n]+|[\r\n]+$/g, '');
    if (line.length === 0) return;
    const shaped = shapeScan(line, this.opts);
    if (shaped.warning) this.warn(`serial scanner ${this.opts.path}: ${shaped.warning}`);
    if (shaped.text.length === 0) return;
    this.emitScan(shaped.text, shaped.symbology);
  }

  private clearPartial(): void {
    if (this.partialTimer !== undefined) clearTimeout(this.partialTimer);
    this.partialTimer = undefined;
  }
}

/** `serialport`'s SerialPort with the hang-up fix from serial-binding.ts, imported on first use. */
async function loadSerialPort(): Promise<SerialPortConstructor> {
  const { SerialPort } = await import('serialport');
  const binding = eofIsDisconnect(SerialPort.binding);
  class HangupAwareSerialPort extends SerialPort {
    constructor(options: { path: string; baudRate: number; autoOpen: false }) {
      super({ ...options, binding } as ConstructorParameters<typeof SerialPort>[0]);
    }
  }
  return HangupAwareSerialPort;
}
