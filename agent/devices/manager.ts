import { EventEmitter } from 'node:events';
import type { IdReaderConfig, ScannerConfig } from '../../config/index.js';
import type { DeviceAdapter, DeviceStatus, IdCardEvent, ScanEvent } from '../../device/types.js';
import type { Logger } from '../log.js';

export interface DeviceFactories {
  scanner: (config: ScannerConfig) => DeviceAdapter;
  idReader: (config: IdReaderConfig) => DeviceAdapter;
}

export interface DeviceManagerEvents {
  scan: [ScanEvent & { counter: string }];
  idcard: [IdCardEvent & { counter: string }];
  status: [DeviceStatus];
}

/**
 * Starts every configured scanner and ID reader, keeps their status for health, and re-emits what they
 * read tagged with their counter. The agent's router decides what a scan means.
 */
export class DeviceManager extends EventEmitter<DeviceManagerEvents> {
  private readonly adapters: { adapter: DeviceAdapter; counter: string }[] = [];

  constructor(
    scanners: readonly ScannerConfig[],
    idReaders: readonly IdReaderConfig[],
    factories: DeviceFactories,
    private readonly log: Logger,
  ) {
    super();
    for (const c of scanners) this.adapters.push({ adapter: factories.scanner(c), counter: c.counter });
    for (const c of idReaders) this.adapters.push({ adapter: factories.idReader(c), counter: c.counter });
    for (const { adapter, counter } of this.adapters) {
      adapter.on('scan', (e) => this.emit('scan', { ...e, counter }));
      adapter.on('idcard', (e) => this.emit('idcard', { ...e, counter }));
      adapter.on('status', (s) => {
        this.log.info({ device: s.id, state: s.state, path: s.path, error: s.error }, 'device status');
        this.emit('status', s);
      });
      adapter.on('warning', (w) => this.log.warn(w, 'device warning'));
    }
  }

  async start(): Promise<void> {
    await Promise.all(this.adapters.map(({ adapter }) => adapter.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.adapters.map(({ adapter }) => adapter.stop()));
  }

  statuses(): DeviceStatus[] {
    return this.adapters.map(({ adapter }) => adapter.status());
  }

  get(id: string): DeviceAdapter | undefined {
    return this.adapters.find(({ adapter }) => adapter.id === id)?.adapter;
  }
}
