// Serial scanner (USB CDC ttyACM*, RS-232 through ttyUSB*, or a pty): the reconnecting serial port
// (device/serial/reconnecting-port.ts) for the port, `@serialport/parser-readline` to cut scans at the
// configured delimiter. Decoding is latin1, one character per byte, so GS (0x1D) and bytes that are not
// valid UTF-8 reach the agent unchanged.
//
// Unplugged (path gone) -> `missing`; other open/read failures -> `error`; either way the port retries
// with the common backoff on a timer and recovers by itself when the device is back.

import { ReadlineParser } from '@serialport/parser-readline';
import { backoffPolicy } from '../../common/backoff.js';
import type { ScanDelimiter } from '../../config/schema.js';
import { ReconnectingSerialPort, type SerialLinkState, type SerialPortConstructor } from '../serial/reconnecting-port.js';
import { type BackoffOptions, SCANNER_BACKOFF, ScannerAdapter } from './base.js';
import { printable, shapeScan } from './text.js';

export type { SerialPortConstructor, SerialPortLike } from '../serial/reconnecting-port.js';

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
  /** Defaults to `serialport`'s SerialPort (with the hang-up fix), imported on first use. */
  SerialPort?: SerialPortConstructor;
}

export class SerialScanner extends ScannerAdapter {
  private readonly opts: SerialScannerOptions;
  private readonly port: ReconnectingSerialPort;
  /** One per connection: made on the first bytes, dropped (with what it held) when the port goes. */
  private parser: ReadlineParser | undefined;
  private partialTimer: NodeJS.Timeout | undefined;

  constructor(opts: SerialScannerOptions) {
    super({ id: opts.id, type: 'serial', counter: opts.counter, path: opts.path });
    this.opts = opts;
    this.port = new ReconnectingSerialPort({
      path: opts.path,
      baudRate: opts.baudRate,
      backoff: backoffPolicy(opts.backoff, SCANNER_BACKOFF),
      messages: {
        missing: (path) => `serial scanner ${path} does not exist (unplugged, or wrong scanners[].path)`,
        openFailed: (path, reason) => `cannot open serial scanner ${path}: ${reason}`,
        gone: (path, unplugged, reason) => (unplugged ? `serial scanner ${path} disappeared (unplugged?)` : `serial scanner ${path} failed: ${reason}`),
      },
      ...(opts.SerialPort ? { SerialPort: opts.SerialPort } : {}),
    });
    this.port.on('data', (chunk) => this.chunk(chunk));
    this.port.on('state', (s) => this.linkState(s));
  }

  start(): Promise<void> {
    return this.port.start();
  }

  stop(): Promise<void> {
    return this.port.stop();
  }

  /** Current retry delay (for tests and logs). */
  get retryDelayMs(): number {
    return this.port.retryDelayMs;
  }

  private linkState(s: SerialLinkState): void {
    if (s.state !== 'connected') this.dropParser();
    this.setState(s.state, s.error);
  }

  private dropParser(): void {
    this.clearPartial();
    const parser = this.parser;
    this.parser = undefined;
    if (!parser) return;
    if (parser.buffer.length > 0)
      this.warn(`serial scanner ${this.opts.path}: partial scan ${printable(parser.buffer.toString('latin1'))} discarded (device went away)`);
    parser.removeAllListeners();
    parser.destroy();
  }

  private newParser(): ReadlineParser {
    const parser = new ReadlineParser({ delimiter: this.opts.delimiter, encoding: 'latin1' });
    parser.on('data', (line: string) => this.line(line));
    return parser;
  }

  // Not pipe(): a piped parser flushes its partial buffer as a line when the port ends, which would
  // turn a scan cut off by an unplug into a short, wrong code.
  private chunk(chunk: Buffer): void {
    const parser = (this.parser ??= this.newParser());
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
        this.warn(
          `serial scanner ${this.opts.path}: partial scan ${printable(parser.buffer.toString('latin1'))} discarded (no delimiter within ${this.partialMs} ms; check scanners[].delimiter)`,
        );
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
