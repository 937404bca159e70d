// What `provision` finds plugged in, for the first config: serial ports (by their stable
// /dev/serial/by-id name when udev made one) and HID devices whose USB vendor/product the packaged udev
// rules know as scanners. Read from the file system under --root (/dev and /sys), so tests can lay out a
// device tree in a temporary directory.

import { readdir, readFile, readlink } from 'node:fs/promises';
import { basename, join } from 'node:path';

export interface FoundScanner {
  type: 'serial' | 'hid';
  /** The path as the box will open it (outside --root): /dev/serial/by-id/... or /dev/ttyACM0. */
  path?: string;
  vendorId?: number;
  productId?: number;
  /** Where it was seen, for the technician (e.g. /dev/hidraw0 "Honeywell 1900"). */
  seen: string;
}

export interface FoundReader {
  path: string;
  seen: string;
}

export interface FoundDevices {
  scanners: FoundScanner[];
  idReaders: FoundReader[];
  /** Seen but not put in the config, with the reason. */
  skipped: { seen: string; why: string }[];
}

/** A Known-devices line of the udev rules: vendor (and product) → scanner | serial. */
export interface KnownUsbDevice {
  vendorId: number;
  productId?: number;
  kind: 'scanner' | 'serial';
}

/** The "Known devices" of systemd/99-counter-agent.rules, so discovery and udev agree on what a scanner is. */
export function knownDevicesFromRules(rules: string): KnownUsbDevice[] {
  const out: KnownUsbDevice[] = [];
  for (const line of rules.split('\n')) {
    if (line.trimStart().startsWith('#')) continue;
    const kind = /ENV\{COUNTER_AGENT_DEVICE\}="(scanner|serial)"/.exec(line)?.[1] as KnownUsbDevice['kind'] | undefined;
    const vendor = /ATTRS\{idVendor\}=="([0-9a-fA-F]{4})"/.exec(line)?.[1];
    if (!kind || !vendor) continue;
    const product = /ATTRS\{idProduct\}=="([0-9a-fA-F]{4})"/.exec(line)?.[1];
    out.push({ vendorId: parseInt(vendor, 16), ...(product ? { productId: parseInt(product, 16) } : {}), kind });
  }
  return out;
}

const hex4 = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;

async function list(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).sort();
}

/** HID_ID=0003:00000C2E:00000B61 and HID_NAME from /sys/class/hidraw/<node>/device/uevent. */
async function hidIdentity(root: string, node: string): Promise<{ vendorId: number; productId: number; name: string } | undefined> {
  const text = await readFile(join(root, 'sys/class/hidraw', node, 'device/uevent'), 'utf8').catch(() => undefined);
  const m = text && /^HID_ID=[0-9A-Fa-f]+:([0-9A-Fa-f]+):([0-9A-Fa-f]+)$/m.exec(text);
  if (!m) return undefined;
  const name = /^HID_NAME=(.*)$/m.exec(text)?.[1]?.trim() ?? '';
  return { vendorId: parseInt(m[1] as string, 16), productId: parseInt(m[2] as string, 16), name };
}

export async function findDevices(root: string, known: KnownUsbDevice[]): Promise<FoundDevices> {
  const found: FoundDevices = { scanners: [], idReaders: [], skipped: [] };
  const dev = join(root, 'dev');

  // Serial: the by-id name survives replugging and a changed ttyACM number; the bare node otherwise.
  const stableName = new Map<string, string>();
  for (const name of await list(join(dev, 'serial/by-id'))) {
    const target = await readlink(join(dev, 'serial/by-id', name)).catch(() => undefined);
    if (target) stableName.set(basename(target), `/dev/serial/by-id/${name}`);
  }
  const nodes = await list(dev);
  for (const node of nodes.filter((n) => /^tty(ACM|USB)\d+$/.test(n))) {
    const path = stableName.get(node) ?? `/dev/${node}`;
    const seen = path === `/dev/${node}` ? path : `${path} → /dev/${node}`;
    // USB CDC (ttyACM) is how scanners present a serial port; USB-serial bridges (ttyUSB: CH340, PL2303,
    // CP210x, FTDI) are what 二代证 reader modules sit behind.
    if (node.startsWith('ttyACM')) found.scanners.push({ type: 'serial', path, seen });
    else found.idReaders.push({ path, seen });
  }

  const hidSeen = new Set<string>();
  for (const node of nodes.filter((n) => /^hidraw\d+$/.test(n))) {
    const seen = `/dev/${node}`;
    const id = await hidIdentity(root, node);
    if (!id) {
      found.skipped.push({ seen, why: 'no USB vendor/product in /sys/class/hidraw (not a USB device?)' });
      continue;
    }
    const label = `${seen} ${hex4(id.vendorId)}:${hex4(id.productId)}${id.name ? ` "${id.name}"` : ''}`;
    const isScanner = known.some((k) => k.kind === 'scanner' && k.vendorId === id.vendorId && (k.productId === undefined || k.productId === id.productId));
    if (!isScanner) {
      found.skipped.push({ seen: label, why: 'not a scanner the udev rules know (a keyboard or mouse?); add it to 99-counter-agent.rules if it is one' });
      continue;
    }
    // One scanner often shows several HID interfaces; the config names the device once.
    const key = `${id.vendorId}:${id.productId}`;
    if (hidSeen.has(key)) continue;
    hidSeen.add(key);
    found.scanners.push({ type: 'hid', vendorId: id.vendorId, productId: id.productId, seen: label });
  }
  return found;
}
