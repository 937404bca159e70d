// A SAM module that answers the real protocol on one end of a socat pty pair, so the real driver
// (reader.ts) runs unchanged in demo mode and tests. place()/remove() a card; inject faults.

import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { idCheckChar } from '../../common/idnumber.js';
import { openPtyPair } from '../pty.js';
import type { IdCard } from '../types.js';
import { encodeBasicInfo } from './card.js';
import { CMD, encodeResponse, FrameDecoder, type Request, SW3 } from './protocol.js';

export { encodeCard } from './card.js';

/** silence: no answer; bad_checksum: answer with a wrong checksum; garbage: stray bytes before the
 *  answer; split: the answer in three writes 20 ms apart. */
export type SimFault = 'silence' | 'bad_checksum' | 'garbage' | 'split';

/** Bytes that look almost like a preamble, to exercise resync. */
const GARBAGE = Uint8Array.of(0x13, 0x37, 0xaa, 0xaa, 0x96, 0x69, 0x00, 0xaa);

export class SimulatedIdReaderDevice {
  private card: IdCard | null = null;
  private selected = false;
  private port: SerialPort | null = null;
  private readonly decoder = new FrameDecoder('request');
  private faults: { kind: SimFault; left: number }[] = [];
  private timers = new Set<NodeJS.Timeout>();
  /** Requests answered or ignored so far (tests wait on it). */
  requests = 0;
  lastError: Error | null = null;

  constructor(private readonly baudRate = 115200) {}

  /** Put a card on the reader (replaces any card there). */
  place(card: IdCard): void {
    this.card = card;
    this.selected = false;
  }

  remove(): void {
    this.card = null;
    this.selected = false;
  }

  current(): IdCard | null {
    return this.card;
  }

  /** Apply `kind` to the next `times` answers (Infinity: until clearFaults()). */
  injectFault(kind: SimFault, times = 1): void {
    this.faults.push({ kind, left: times });
  }

  clearFaults(): void {
    this.faults = [];
  }

  get running(): boolean {
    return this.port?.isOpen ?? false;
  }

  /** Open the module's end of the pty pair. */
  async start(path: string): Promise<void> {
    await this.stop();
    const port = new SerialPort({ path, baudRate: this.baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    port.on('data', (chunk: Buffer) => this.onData(chunk));
    port.on('error', (e: Error) => {
      this.lastError = e;
    });
    port.on('close', () => {
      if (this.port === port) this.port = null;
    });
    this.decoder.reset();
    this.port = port;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const port = this.port;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private onData(chunk: Buffer): void {
    for (const d of this.decoder.push(chunk)) {
      if (d.ok) this.send(this.answer(d.frame));
      else if (d.error.code === 'bad_checksum') this.send(encodeResponse(SW3.checksumError));
      else if (d.error.code === 'bad_length') this.send(encodeResponse(SW3.lengthError));
    }
  }

  /** What a SAM module answers (status and data), before faults. */
  private answer(req: Request): { sw3: number; data?: Uint8Array } {
    const is = (c: readonly [number, number]): boolean => req.cmd === c[0] && req.para === c[1];
    if (is(CMD.findCard)) {
      this.selected = false;
      // Data: the card's 4-byte IIN (zeros here), as in the worked frames cited in protocol.ts.
      return this.card ? { sw3: SW3.findSuccess, data: new Uint8Array(4) } : { sw3: SW3.noCard };
    }
    if (is(CMD.selectCard)) {
      this.selected = this.card !== null;
      return this.card ? { sw3: SW3.success, data: new Uint8Array(8) } : { sw3: SW3.selectFailed };
    }
    if (is(CMD.readBasic)) {
      return this.card && this.selected ? { sw3: SW3.success, data: encodeBasicInfo(this.card) } : { sw3: SW3.readFailed };
    }
    if (is(CMD.samStatus) || is(CMD.reset)) return { sw3: SW3.success };
    if (is(CMD.samId)) return { sw3: SW3.success, data: new Uint8Array(16) };
    return { sw3: SW3.commandError };
  }

  private send(a: Uint8Array | { sw3: number; data?: Uint8Array }): void {
    this.requests++;
    const fault = this.faults.find((f) => f.left > 0);
    if (fault) fault.left--;
    const port = this.port;
    if (!port || fault?.kind === 'silence') return;
    const bytes = a instanceof Uint8Array ? a : encodeResponse(a.sw3, a.data, { corruptChecksum: fault?.kind === 'bad_checksum' });
    if (fault?.kind === 'garbage') port.write(Buffer.from(GARBAGE));
    if (fault?.kind !== 'split') {
      port.write(Buffer.from(bytes));
      return;
    }
    const cuts = [0, 3, Math.ceil(bytes.length / 2), bytes.length];
    cuts.slice(0, -1).forEach((from, i) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        if (this.port === port) port.write(Buffer.from(bytes.subarray(from, cuts[i + 1])));
      }, 20 * i);
      this.timers.add(t);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Sample cards (fictional people; ID numbers with valid check digits).

function idNumber(area: string, birth: string, seq: string): string {
  const first17 = `${area}${birth.replaceAll('-', '')}${seq}`;
  return first17 + idCheckChar(first17);
}

/** 1024 deterministic bytes standing in for a WLT photo (not a real image). */
export function samplePhoto(seed: string): Uint8Array {
  const out = new Uint8Array(1024);
  let x = 2166136261;
  for (const ch of seed) x = Math.imul(x ^ ch.charCodeAt(0), 16777619) >>> 0;
  for (let i = 0; i < out.length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function sample(c: Omit<IdCard, 'photo' | 'idNumber'> & { seq: string }): IdCard {
  const { seq, ...rest } = c;
  const id = idNumber('130102', c.birthDate, seq);
  return { ...rest, idNumber: id, photo: samplePhoto(id) };
}

export const SAMPLE_CARDS = {
  /** The platform simulator's seeded person "hypertension" (130102196205120319); 长期 card. */
  zhangJianguo: sample({
    name: '张建国',
    sex: '1',
    nation: '01',
    birthDate: '1962-05-12',
    seq: '031',
    address: '河北省石家庄市长安区建设北大街12号3栋2单元501',
    issuer: '石家庄市公安局长安分局',
    validFrom: '2012-08-20',
    validTo: '长期',
  }),
  /** Seeded person "young"; a 10-year card. */
  wangHaoran: sample({
    name: '王浩然',
    sex: '1',
    nation: '01',
    birthDate: '2004-06-15',
    seq: '013',
    address: '河北省石家庄市长安区广安街88号',
    issuer: '石家庄市公安局长安分局',
    validFrom: '2021-07-01',
    validTo: '2031-07-01',
  }),
  /** Seeded person "lowBalance", holding a card that expired in 2014. */
  zhaoLiExpired: sample({
    name: '赵丽',
    sex: '2',
    nation: '03',
    birthDate: '1979-02-20',
    seq: '026',
    address: '河北省石家庄市长安区跃进路6号',
    issuer: '石家庄市公安局长安分局',
    validFrom: '2004-03-15',
    validTo: '2014-03-15',
  }),
} as const satisfies Record<string, IdCard>;

// ---------------------------------------------------------------------------------------------
// socat pty pair

export interface PtyPair {
  /** The end the driver opens. */
  readerPath: string;
  /** The end the simulated module opens. */
  samPath: string;
  /** Ends socat (SIGTERM, SIGKILL after 2 s) and waits for it; socat removes the links. */
  stop(): Promise<void>;
  /** SIGKILL (links left dangling): a reader vanishing abruptly. */
  kill(): Promise<void>;
}

/** Spawn `socat` linking `<dir>/reader` and `<dir>/sam`; resolves once both links exist. */
export async function startPtyPair(dir: string, timeoutMs = 5000): Promise<PtyPair> {
  const pair = await openPtyPair(join(dir, 'reader'), join(dir, 'sam'), { timeoutMs });
  return { readerPath: pair.a, samPath: pair.b, stop: () => pair.close(), kill: () => pair.kill() };
}
