// IdCardReader: the 二代证 SAM module over a serial port. Polls find → select → read while running and
// emits `idcard` once per card presentation. Never throws after start(): a missing port is a status
// (the reconnecting serial port reopens it with the common backoff, hang-up fix included), a timeout or
// a bad frame is a warning.

import { EventEmitter } from 'node:events';
import { type BackoffPolicy, backoffPolicy } from '../../common/backoff.js';
import { ReconnectingSerialPort, type SerialLinkState, type SerialPortConstructor } from '../serial/reconnecting-port.js';
import type { DeviceAdapter, DeviceEvents, DeviceState, DeviceStatus, IdCard } from '../types.js';
import { parseBasicInfo, validateCard } from './card.js';
import { CMD, encodeRequest, FrameDecoder, FrameError, hex, type Response, SW3, statusText } from './protocol.js';

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
  /** Reconnect backoff: doubles from `initialMs` (default 500 ms) up to `maxMs` (default 5 s). */
  backoff?: Partial<BackoffPolicy>;
  now?: () => Date;
  /** Defaults to `serialport`'s SerialPort (with the hang-up fix), imported on first use. */
  SerialPort?: SerialPortConstructor;
}

const READER_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 5000 };

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
  private readonly o: Required<Omit<IdCardReaderOptions, 'id' | 'counter' | 'path' | 'backoff' | 'SerialPort'>> & { path: string; counter: string };
  private readonly decoder = new FrameDecoder('response');
  private readonly port: ReconnectingSerialPort;
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

  constructor(opts: IdCardReaderOptions) {
    this.id = opts.id;
    this.o = {
      path: opts.path,
      counter: opts.counter,
      baudRate: opts.baudRate ?? 115200,
      type: opts.type ?? 'serial',
      pollMs: opts.pollMs ?? 500,
      timeoutMs: opts.timeoutMs ?? 1000,
      removalMisses: opts.removalMisses ?? 2,
      unresponsiveAfter: opts.unresponsiveAfter ?? 3,
      now: opts.now ?? ((): Date => new Date()),
    };
    this.st = this.makeStatus('stopped');
    this.port = new ReconnectingSerialPort({
      path: opts.path,
      baudRate: this.o.baudRate,
      backoff: backoffPolicy(opts.backoff, READER_BACKOFF),
      // Reset only by an answer from the module: a port that opens and drops at once cannot spin.
      resetBackoffOn: 'manual',
      messages: {
        missing: (path) => `ID reader port ${path} not found`,
        openFailed: (path, reason) => `ID reader port ${path} cannot be opened: ${reason}`,
        gone: (path, _unplugged, reason) => `ID reader port ${path} closed: ${reason}`,
      },
      ...(opts.SerialPort ? { SerialPort: opts.SerialPort } : {}),
    });
    this.port.on('data', (chunk) => this.onData(chunk));
    this.port.on('state', (s) => this.linkState(s));
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
    this.port.resetBackoff();
    await this.port.start();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    this.failPending(new PortGone('reader stopped'));
    await this.port.stop();
    await this.loop;
    this.loop = null;
    this.present = null;
    this.setState('stopped');
  }

  private get connected(): boolean {
    return this.port.state.state === 'connected';
  }

  /** Polls while the port is open; while it is not, waits for the port to come back (it reopens by itself). */
  private async run(): Promise<void> {
    while (this.running) {
      if (this.connected) {
        try {
          await this.cycle();
        } catch (e) {
          this.cycleFailed(e);
        }
      }
      if (!this.running) break;
      await this.sleep(this.o.pollMs);
    }
  }

  private linkState(link: SerialLinkState): void {
    this.decoder.reset();
    if (link.state === 'connected') {
      this.timeouts = 0;
      this.setState('connected');
      this.wake?.(); // poll at once
      return;
    }
    this.present = null; // a card read after reconnecting is a new presentation: it may have been swapped
    this.failPending(new PortGone('port closed'));
    if (link.state !== 'stopped') this.setState(link.state, link.error);
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
        this.setState(
          'error',
          `no answer from the SAM module at ${this.o.path} (${this.timeouts} requests timed out after ${this.o.timeoutMs} ms; power, cable, baud rate ${this.o.baudRate}?)`,
        );
      }
      return;
    }
    if (e instanceof FrameError) return this.warn(`ID reader ${this.o.path}: ${e.message}`);
    this.warn(`ID reader ${this.o.path}: ${e instanceof Error ? e.message : String(e)}`);
  }

  /** One request, one answer (the protocol has no ids: answers come in order). */
  private tx([cmd, para]: readonly [number, number]): Promise<Response> {
    const port = this.port;
    if (!this.connected) return Promise.reject(new PortGone('port closed'));
    return new Promise<Response>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = null;
        this.decoder.reset();
        reject(new SamTimeout(`ID reader ${this.o.path}: no answer to ${hex(cmd)}/${hex(para)} within ${this.o.timeoutMs} ms`));
      }, this.o.timeoutMs);
      this.pending = { resolve, reject, timer };
      const written = port.write(Buffer.from(encodeRequest(cmd, para)), (err) => {
        if (err) this.failPending(new PortGone(err.message));
      });
      if (!written) this.failPending(new PortGone('port closed'));
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
    this.port.resetBackoff();
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
      id: this.id,
      kind: 'id_reader',
      type: this.o.type,
      path: this.o.path,
      counter: this.o.counter,
      state,
      ...(error === undefined ? {} : { error }),
      since: this.o.now().toISOString(),
    };
  }

  private setState(state: DeviceState, error?: string): void {
    if (this.st.state === state && this.st.error === error) return;
    this.st = this.makeStatus(state, error);
    this.events.emit('status', this.status());
  }
}
