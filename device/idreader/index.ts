// createIdReader: the adapter for one configured ID reader. 'serial' drives the port in the config;
// 'simulated' starts a socat pty pair with a SimulatedIdReaderDevice on one end and the same real driver
// on the other, so demo mode exercises the real protocol code. The counter page places cards through
// `simulator`.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IdReaderConfig } from '../../config/schema.js';
import type { DeviceAdapter, DeviceEvents, DeviceStatus } from '../types.js';
import { IdCardReader, type IdCardReaderOptions } from './reader.js';
import { type PtyPair, SimulatedIdReaderDevice, startPtyPair } from './simulator.js';

export { parseTextBlock, validateCard } from './card.js';
export { IdCardReader } from './reader.js';
export { SAMPLE_CARDS, SimulatedIdReaderDevice, startPtyPair } from './simulator.js';

export type IdReaderDeps = Partial<Omit<IdCardReaderOptions, 'id' | 'counter' | 'path' | 'baudRate' | 'type'>> & {
  /** Where the simulated pty links go; a fresh temp dir (removed on stop) when absent. */
  ptyDir?: string;
};

export type IdReaderAdapter = DeviceAdapter & {
  /** Present for type 'simulated': place()/remove() cards, inject faults. */
  readonly simulator?: SimulatedIdReaderDevice;
};

export function createIdReader(config: IdReaderConfig, deps: IdReaderDeps = {}): IdReaderAdapter {
  const { ptyDir, ...readerDeps } = deps;
  const base = { ...readerDeps, id: config.id, counter: config.counter, baudRate: config.baudRate, type: config.type };
  if (config.type === 'serial') return new IdCardReader({ ...base, path: config.path });
  return new SimulatedIdReader(base, config.baudRate, ptyDir);
}

class SimulatedIdReader implements IdReaderAdapter {
  readonly id: string;
  readonly simulator: SimulatedIdReaderDevice;
  private readonly reader: IdCardReader;
  private readonly dir: string;
  private readonly ownDir: boolean;
  private pair: PtyPair | null = null;
  private warningListeners = new Set<DeviceEvents['warning']>();

  constructor(opts: Omit<IdCardReaderOptions, 'path'>, baudRate: number, ptyDir?: string) {
    this.id = opts.id;
    this.ownDir = ptyDir === undefined;
    this.dir = ptyDir ?? mkdtempSync(join(tmpdir(), `counter-agent-idreader-${opts.id}-`));
    this.simulator = new SimulatedIdReaderDevice(baudRate);
    this.reader = new IdCardReader({ ...opts, path: join(this.dir, 'reader') });
  }

  on<E extends keyof DeviceEvents>(event: E, listener: DeviceEvents[E]): this {
    if (event === 'warning') this.warningListeners.add(listener as DeviceEvents['warning']);
    this.reader.on(event, listener);
    return this;
  }

  off<E extends keyof DeviceEvents>(event: E, listener: DeviceEvents[E]): this {
    if (event === 'warning') this.warningListeners.delete(listener as DeviceEvents['warning']);
    this.reader.off(event, listener);
    return this;
  }

  status(): DeviceStatus {
    return this.reader.status();
  }

  /** Never throws: without socat the reader reports its pty path as missing and a warning says why. */
  async start(): Promise<void> {
    if (!this.pair) {
      try {
        mkdirSync(this.dir, { recursive: true });
        this.pair = await startPtyPair(this.dir);
        await this.simulator.start(this.pair.samPath);
      } catch (e) {
        const message = `simulated ID reader ${this.id}: ${(e as Error).message}`;
        for (const l of this.warningListeners) l({ deviceId: this.id, message });
      }
    }
    await this.reader.start();
  }

  async stop(): Promise<void> {
    await this.reader.stop();
    await this.simulator.stop();
    await this.pair?.stop();
    this.pair = null;
    if (this.ownDir) rmSync(this.dir, { recursive: true, force: true });
  }
}
