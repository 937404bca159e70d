// HID scanner through node-hid, found by vendor/product id, in HID-POS or keyboard-wedge mode.
//
// hidraw decision: node-hid 3.4 ships a prebuilt hidraw addon for linux-x64/arm64/arm
// (prebuilds/HID_hidraw-linux-*) and loads it by default on Linux; we still call
// setDriverType('hidraw') before the first enumeration so the choice is explicit. hidraw leaves the
// kernel's HID drivers attached (libusb would detach them and needs USB-level permissions); udev rules
// (systemd/99-counter-agent.rules) give the service group /dev/hidraw* and keep a keyboard-mode
// scanner's input device away from the kiosk. That prebuilt binary links libudev.so.1 (Debian
// `libudev1`, always present) and libusb-1.0.so.0 (Debian `libusb-1.0-0`, must be installed even
// though hidraw does not call it). No compiler, no postinstall build.
//
// node-hid is imported lazily on the first connect, so a box without HID scanners never loads it.
// Unplug: the handle emits 'error' -> `missing` -> re-enumerate with backoff (timers, not a loop).

import { existsSync } from 'node:fs';
import type { HidMode } from '../../config/schema.js';
import { type BackoffOptions, DeviceMissingError, describe, ReconnectingScanner } from './base.js';
import { HidKeyboardDecoder } from './hid-keyboard.js';
import { type DecodeOutput, HID_POS_USAGE_PAGE, HidPosDecoder } from './hid-pos.js';
import { shapeScan } from './text.js';

/** What node-hid's devices() returns (the fields used here). */
export interface HidDeviceInfo {
  vendorId: number;
  productId: number;
  path?: string | undefined;
  usagePage?: number | undefined;
  usage?: number | undefined;
  interface?: number | undefined;
  product?: string | undefined;
}

/** An open device: node-hid's HID or HIDAsync (both EventEmitters that read once 'data' is listened to). */
export interface HidHandle {
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  on(event: 'error', listener: (err: unknown) => void): unknown;
  removeAllListeners(): unknown;
  close(): void | Promise<void>;
}

/** The shape of the node-hid module this adapter needs (a fake with this shape is used in tests). */
export interface HidModule {
  devices(): HidDeviceInfo[];
  devicesAsync?: () => Promise<HidDeviceInfo[]>;
  HIDAsync?: { open(path: string): Promise<HidHandle> };
  HID?: new (path: string) => HidHandle;
  setDriverType?: (type: 'hidraw' | 'libusb') => void;
}

export interface HidScannerOptions {
  id: string;
  counter: string;
  vendorId: number;
  productId: number;
  mode: HidMode;
  prefix?: string | undefined;
  suffix?: string | undefined;
  backoff?: BackoffOptions;
  /** Keyboard mode: a scan without Enter for this long is discarded; default 1000 ms. */
  keyboardTimeoutMs?: number;
  /** node-hid or something with its shape; default: `import('node-hid')` on first use. */
  hid?: HidModule | (() => Promise<HidModule>);
}

const KEYBOARD_USAGE = { page: 0x01, usage: 0x06 };

export class HidScanner extends ReconnectingScanner {
  private readonly opts: HidScannerOptions;
  private readonly usb: string;
  private handle: HidHandle | undefined;
  private decoder: HidPosDecoder | HidKeyboardDecoder;
  private expiry: NodeJS.Timeout | undefined;

  constructor(opts: HidScannerOptions) {
    const usb = `usb ${hex4(opts.vendorId)}:${hex4(opts.productId)}`;
    super({ id: opts.id, type: 'hid', counter: opts.counter, path: usb }, opts.backoff);
    this.opts = opts;
    this.usb = usb;
    this.decoder = this.newDecoder();
  }

  protected async connect(gen: number): Promise<void> {
    const hid = await this.module();
    let list: HidDeviceInfo[];
    try {
      list = hid.devicesAsync ? await hid.devicesAsync() : hid.devices();
    } catch (err) {
      throw new Error(`node-hid cannot enumerate HID devices (${describe(err)}); on Debian install libusb-1.0-0 and libudev1`);
    }
    const dev = pick(list, this.opts.vendorId, this.opts.productId, this.opts.mode);
    if (typeof dev === 'string') throw new Error(dev);
    if (!dev?.path) {
      this.statusPath = this.usb;
      throw new DeviceMissingError(`no HID device ${this.usb} (unplugged, or wrong scanners[].vendorId/productId)`);
    }
    const path = dev.path;
    this.statusPath = `${this.usb} ${path}`;
    let handle: HidHandle;
    try {
      handle = hid.HIDAsync ? await hid.HIDAsync.open(path) : new (required(hid.HID))(path);
    } catch (err) {
      throw new Error(`cannot open HID scanner ${this.usb} at ${path}: ${describe(err)} (udev rules installed? service in group counter-agent?)`);
    }
    this.handle = handle;
    this.decoder = this.newDecoder();
    handle.on('error', (err) => {
      const missing = !path.startsWith('/') || !existsSync(path);
      if (missing) this.statusPath = this.usb;
      this.lost(gen, new Error(`HID scanner ${this.usb} at ${path} ${missing ? 'disappeared (unplugged?)' : 'failed'}: ${describe(err)}`), missing);
    });
    handle.on('data', (data) => this.report(data));
  }

  protected async release(): Promise<void> {
    if (this.expiry !== undefined) clearTimeout(this.expiry);
    this.expiry = undefined;
    this.deliver(this.decoder.reset());
    const handle = this.handle;
    this.handle = undefined;
    if (!handle) return;
    handle.removeAllListeners();
    handle.on('error', () => undefined);
    try {
      await handle.close();
    } catch {
      // Closing a device that is already gone fails; nothing to do.
    }
  }

  private report(data: Buffer): void {
    const decoder = this.decoder;
    if (decoder instanceof HidKeyboardDecoder) {
      this.deliver(decoder.feed(data));
      this.armExpiry(decoder);
    } else {
      this.deliver(decoder.feed(data));
    }
  }

  private armExpiry(decoder: HidKeyboardDecoder): void {
    if (this.expiry !== undefined) clearTimeout(this.expiry);
    this.expiry = undefined;
    const deadline = decoder.deadline;
    if (deadline === undefined) return;
    this.expiry = setTimeout(
      () => {
        this.expiry = undefined;
        this.deliver(decoder.expire());
      },
      Math.max(0, deadline - Date.now()) + 1,
    );
  }

  private deliver(outputs: DecodeOutput[]): void {
    for (const o of outputs) {
      if (o.kind === 'warning') {
        this.warn(`HID scanner ${this.usb}: ${o.message}`);
        continue;
      }
      const shaped = shapeScan(o.text, this.opts, o.symbology);
      if (shaped.warning) this.warn(`HID scanner ${this.usb}: ${shaped.warning}`);
      if (shaped.text.length > 0) this.emitScan(shaped.text, shaped.symbology);
    }
  }

  private newDecoder(): HidPosDecoder | HidKeyboardDecoder {
    if (this.opts.mode === 'pos') return new HidPosDecoder();
    return new HidKeyboardDecoder(this.opts.keyboardTimeoutMs === undefined ? {} : { timeoutMs: this.opts.keyboardTimeoutMs });
  }

  private async module(): Promise<HidModule> {
    const hid = this.opts.hid;
    if (hid === undefined) return loadNodeHid();
    return typeof hid === 'function' ? hid() : hid;
  }
}

/**
 * The interface of vid:pid that speaks the configured mode; a message (string) when the device is
 * there but offers only the other kind, so the technician sees the mode mismatch rather than `missing`.
 */
export function pick(list: HidDeviceInfo[], vendorId: number, productId: number, mode: HidMode): HidDeviceInfo | string | undefined {
  const ours = list.filter((d) => d.vendorId === vendorId && d.productId === productId && d.path);
  if (ours.length === 0) return undefined;
  const fits = (d: HidDeviceInfo): boolean =>
    mode === 'pos' ? d.usagePage === HID_POS_USAGE_PAGE : d.usagePage === KEYBOARD_USAGE.page && d.usage === KEYBOARD_USAGE.usage;
  const match = ours.find(fits);
  if (match) return match;
  // The libusb backend (or an old kernel) reports no usage page: take the first interface.
  const unknown = ours.find((d) => !d.usagePage);
  if (unknown) return unknown;
  const offered = ours.map((d) => `0x${(d.usagePage ?? 0).toString(16)}/0x${(d.usage ?? 0).toString(16)}`).join(', ');
  const want = mode === 'pos' ? 'HID-POS scanner interface (usage page 0x8C)' : 'keyboard interface (usage page 0x01, usage 0x06)';
  return `HID device usb ${hex4(vendorId)}:${hex4(productId)} has no ${want}; it offers usage page/usage ${offered}: set scanners[].mode to match the scanner or reprogram the scanner's USB mode`;
}

let nodeHid: Promise<HidModule> | undefined;

function loadNodeHid(): Promise<HidModule> {
  nodeHid ??= import('node-hid').then((m) => {
    const mod = ((m as { default?: unknown }).default ?? m) as HidModule;
    if (process.platform === 'linux') mod.setDriverType?.('hidraw');
    return mod;
  });
  nodeHid.catch(() => {
    nodeHid = undefined; // let the next backoff attempt try again
  });
  return nodeHid;
}

function required<T>(x: T | undefined): T {
  if (x === undefined) throw new Error('node-hid module has neither HIDAsync nor HID');
  return x;
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
