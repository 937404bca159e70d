// createScanner: the adapter for one configured scanner. Serial and HID load their native addons
// (serialport, node-hid) only when they first connect.

import type { ScannerConfig } from '../../config/schema.js';
import type { DeviceAdapter } from '../types.js';
import type { BackoffOptions } from './base.js';
import { type HidModule, HidScanner } from './hid.js';
import { type SerialPortConstructor, SerialScanner } from './serial.js';
import { SimulatedScanner } from './simulated.js';

export interface ScannerDeps {
  SerialPort?: SerialPortConstructor;
  hid?: HidModule | (() => Promise<HidModule>);
  backoff?: BackoffOptions;
  socat?: string;
}

export function createScanner(config: ScannerConfig, deps: ScannerDeps = {}): DeviceAdapter {
  const { id, counter, prefix, suffix } = config;
  switch (config.type) {
    case 'serial':
      return new SerialScanner({
        id,
        counter,
        prefix,
        suffix,
        path: config.path,
        baudRate: config.baudRate,
        delimiter: config.delimiter,
        ...(deps.backoff ? { backoff: deps.backoff } : {}),
        ...(deps.SerialPort ? { SerialPort: deps.SerialPort } : {}),
      });
    case 'hid':
      return new HidScanner({
        id,
        counter,
        prefix,
        suffix,
        vendorId: config.vendorId,
        productId: config.productId,
        mode: config.mode,
        ...(deps.backoff ? { backoff: deps.backoff } : {}),
        ...(deps.hid ? { hid: deps.hid } : {}),
      });
    case 'simulated':
      return new SimulatedScanner({
        id,
        counter,
        prefix,
        suffix,
        path: config.path,
        delimiter: config.delimiter,
        ...(deps.socat ? { socat: deps.socat } : {}),
      });
  }
}

export type { DeviceAdapter, DeviceStatus, ScanEvent } from '../types.js';
export { HidKeyboardDecoder } from './hid-keyboard.js';
export { HidPosDecoder } from './hid-pos.js';
export { HidScanner, SerialScanner, SimulatedScanner };
