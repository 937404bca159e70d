// IdCardReader: the 二代证 SAM module over a serial port. Polls find → select → read while running and
// emits `idcard` once per card presentation. Never throws after start(): a missing port is a status
// (with reconnect backoff), a timeout or a bad frame is a warning.

import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { SerialPort } from 'serialport';
import type { DeviceAdapter, DeviceEvents, DeviceState, DeviceStatus, IdCard } from '../types.js';
import { parseBasicInfo, validateCard } from './card.js';
import { CMD, FrameDecoder, FrameError, SW3, encodeRequest, hex, statusText, type Response } from './protocol.js';

export interface IdCardReaderOptions {
  id: string;
  counter: string;
  path: string;
  baudRate?: number;
  /** Shown in status(): 'serial' or 'simulated'. */
  type?: string;
  /** Pause between polls. */
  pollMs?: number;
  /** How long to wait for each answer. */
  timeoutMs?: number;
  /** Consecutive "no card" answers before the card counts as removed (modules flicker). */
  removalMisses?: number;
  /** Consecutive timeouts before the status turns to error. */
  unresponsiveAfter?: number;
  /** Reconnect backoff: doubles from `initial` up to `max`. */
  backoffMs?: { initial: number; max: number };
  now?: () => Date;
}

class SamTimeout extends Error {}
class PortGone extends Error {}

interface Pending {
  resolve: (r: Response) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class IdCardReader implements DeviceAdapter {
  readonly id: string;
  private readonly events = new EventEmitter();
  private readonly o: Required<Omit<IdCardReaderOptions, 'id' | 'counter' | 'path'>> & { path: string; counter: string };
  private readonly decoder = new FrameDecoder('response');
  private port: SerialPort | null = null;
  private pending: Pending | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private st: DeviceStatus;
  /** Identity of the card on the reader, null when none. */
  private present: string | null = null;
  private misses = 0;
  private timeouts = 0;
  private lastWarning = '';
  private backoff: number;

  constructor(opts: IdCardReaderOptions) {
    this.id = opts.id;
    this.o = {
      path: opts.path, counter: opts.counter, baudRate: opts.baudRate ?? 115200, type: opts.type ?? 'serial',
      pollMs: opts.pollMs ?? 500, timeoutMs: opts.timeoutMs ?? 1000, removalMisses: opts.removalMisses ?? 2,
      unresponsiveAfter: opts.unresponsiveAfter ?? 3, backoffMs: opts.backoffMs ?? { initial: 500, max: 5000 },
      now: opts.now ?? ((): Date => new Date()),
    };
    this.st = this.makeStatus('stopped');
    this.backoff = this.o.backoffMs.initial;
  }

  on<E extends keyof DeviceEvents>(event: E, listener: DeviceEvents[E]): this {
    this.events.on(event, listener);
    return this;
  }

  off<E extends keyof DeviceEvents>(event: E, listener: DeviceEvents[E]): this {
    this.events.off(event, listener);
    return this;
  }

  status(): DeviceStatus {
    return { ...this.st };
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.backoff = this.o.backoffMs.initial;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    this.failPending(new PortGone('reader stopped'));
    await this.closePort();
    await this.loop;
    this.loop = null;
    this.present = null;
    this.setState('stopped');
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (this.port || (await this.connect())) {
        try {
          await this.cycle();
        } catch (e) {
          this.cycleFailed(e);
        }
      }
      if (!this.running) break;
      if (this.port) {
        await this.sleep(this.o.pollMs);
      } else {
        // Reset only by an answer from the module: a port that opens and drops at once cannot spin.
        await this.sleep(this.backoff);
        this.backoff = Math.min(this.backoff * 2, this.o.backoffMs.max);
      }
    }
  }

  private async connect(): Promise<boolean> {
    const { path } = this.o;
    if (!existsSync(path)) {
      this.setState('missing', `ID reader port ${path} not found`);
      return false;
    }
    const port = new SerialPort({ path, baudRate: this.o.baudRate, autoOpen: false });
    const err = await new Promise<Error | null>((resolve) => port.open(resolve));
    if (err) {
      const missing = /ENOENT|No such file/i.test(err.message);
      this.setState(missing ? 'missing' : 'error', `ID reader port ${path} cannot be opened: ${err.message}`);
      return false;
    }
    if (!this.running) {
      await new Promise<void>((resolve) => port.close(() => resolve()));
      return false;
    }
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    port.on('error', (e: Error) => this.warn(`ID reader port ${path}: ${e.message}`));
    port.on('close', (e?: Error) => this.onClose(port, e));
    this.port = port;
    this.decoder.reset();
    this.timeouts = 0;
    this.setState('connected');
    return true;
  }

  private onClose(port: SerialPort, e?: Error): void {
    if (this.port !== port) return;
    this.port = null;
    this.decoder.reset();
    this.present = null; // a card read after reconnecting is a new presentation: it may have been swapped
    this.failPending(new PortGone('port closed'));
    if (!this.running) return;
    const gone = !existsSync(this.o.path);
    this.setState(gone ? 'missing' : 'error', `ID reader port ${this.o.path} closed${e ? `: ${e.message}` : ''}`);
    this.wake?.();
  }

  private async closePort(): Promise<void> {
    const port = this.port;
    this.port = null;
    if (!port?.isOpen) return;
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private async cycle(): Promise<void> {
    const find = await this.tx(CMD.findCard);
    if (find.sw3 === SW3.noCard) {
      if (++this.misses >= this.o.removalMisses) this.present = null;
      this.lastWarning = '';
      return;
    }
    if (find.sw3 !== SW3.findSuccess) return this.warn(`ID reader ${this.o.path}: find card answered ${statusText(find.sw3)}`);
    const select = await this.tx(CMD.selectCard);
    if (select.sw3 !== SW3.success) {
      // A card being read again while it stays may refuse selection; only a new card is worth a warning.
      if (this.present === null) this.warn(`ID reader ${this.o.path}: select card answered ${statusText(select.sw3)}`);
      return;
    }
    const read = await this.tx(CMD.readBasic);
    if (read.sw3 !== SW3.success) return this.warn(`ID reader ${this.o.path}: read card answered ${statusText(read.sw3)}`);
    let card: IdCard;
    try {
      card = parseBasicInfo(read.data);
    } catch (e) {
      return this.warn(`ID reader ${this.o.path}: malformed read answer: ${(e as Error).message}`);
    }
    this.misses = 0;
    this.lastWarning = '';
    const key = `${card.idNumber}|${card.validFrom}|${card.name}`;
    if (key === this.present) return;
    this.present = key;
    const at = this.o.now();
    this.events.emit('idcard', { deviceId: this.id, card, at, problems: validateCard(card, at) });
  }

  private cycleFailed(e: unknown): void {
    if (e instanceof PortGone || !this.running) return;
    if (e instanceof SamTimeout) {
      this.timeouts++;
      this.warn(e.message);
      if (this.timeouts >= this.o.unresponsiveAfter) {
        this.setState('error', `no answer from the SAM module at ${this.o.path} (${this.timeouts} requests timed out after ${this.o.timeoutMs} ms; power, cable, baud rate ${this.o.baudRate}?)`);
      }
      return;
    }
    if (e instanceof FrameError) return this.warn(`ID reader ${this.o.path}: ${e.message}`);
    this.warn(`ID reader ${this.o.path}: ${e instanceof Error ? e.message : String(e)}`);
  }

  /** One request, one answer (the protocol has no ids: answers come in order). */
  private tx([cmd, para]: readonly [number, number]): Promise<Response> {
    const port = this.port;
    if (!port) return Promise.reject(new PortGone('port closed'));
    return new Promise<Response>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = null;
        this.decoder.reset();
        reject(new SamTimeout(`ID reader ${this.o.path}: no answer to ${hex(cmd)}/${hex(para)} within ${this.o.timeoutMs} ms`));
      }, this.o.timeoutMs);
      this.pending = { resolve, reject, timer };
      port.write(Buffer.from(encodeRequest(cmd, para)), (err) => {
        if (err) this.failPending(new PortGone(err.message));
      });
    });
  }

  private onData(chunk: Buffer): void {
    for (const d of this.decoder.push(chunk)) {
      if (d.ok) {
        const p = this.pending;
        if (!p) {
          this.warn(`ID reader ${this.o.path}: answer with no request pending (status ${statusText(d.frame.sw3)}), dropped`);
          continue;
        }
        this.pending = null;
        clearTimeout(p.timer);
        this.responsive();
        p.resolve(d.frame);
      } else if (d.error.code === 'garbage' || !this.pending) {
        this.warn(`ID reader ${this.o.path}: ${d.error.message}`);
      } else {
        this.failPending(d.error);
      }
    }
  }

  private responsive(): void {
    this.timeouts = 0;
    this.backoff = this.o.backoffMs.initial;
    if (this.st.state !== 'connected') this.setState('connected');
  }

  private failPending(e: Error): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    clearTimeout(p.timer);
    p.reject(e);
  }

  /** A pause that stop() and a closing port cut short. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** Repeats of the same warning are dropped until something succeeds. */
  private warn(message: string): void {
    if (message === this.lastWarning) return;
    this.lastWarning = message;
    this.events.emit('warning', { deviceId: this.id, message });
  }

  private makeStatus(state: DeviceState, error?: string): DeviceStatus {
    return {
      id: this.id, kind: 'id_reader', type: this.o.type, path: this.o.path, counter: this.o.counter, state,
      ...(error === undefined ? {} : { error }), since: this.o.now().toISOString(),
    };
  }

  private setState(state: DeviceState, error?: string): void {
    if (this.st.state === state && this.st.error === error) return;
    this.st = this.makeStatus(state, error);
    this.events.emit('status', this.status());
  }
}
