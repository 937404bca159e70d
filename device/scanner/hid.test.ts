// HidScanner over a fake with node-hid's shape (devices() + HIDAsync.open(path)) fed recorded reports;
// plus one check that the real node-hid addon (hidraw backend) loads and enumerates on this machine.

import { afterEach, describe, expect, it } from 'vitest';
import { type HidDeviceInfo, type HidModule, HidScanner, type HidScannerOptions, pick } from './hid.js';
import { FakeHidHandle, FakeNodeHid, hex, posReport, record, sleep, until } from './scanner.test-helpers.js';

const VID = 0x0c2e;
const PID = 0x0b61;
// A composite scanner as hidraw enumerates it: a keyboard interface and a HID-POS interface.
const KEYBOARD_IFACE: HidDeviceInfo = { vendorId: VID, productId: PID, path: '/dev/fake-hidraw0', usagePage: 0x01, usage: 0x06, interface: 0 };
const POS_IFACE: HidDeviceInfo = { vendorId: VID, productId: PID, path: '/dev/fake-hidraw1', usagePage: 0x8c, usage: 0x02, interface: 1 };
const OTHER: HidDeviceInfo = { vendorId: 0x046d, productId: 0xc31c, path: '/dev/fake-hidraw2', usagePage: 0x01, usage: 0x06 };

const scanners: HidScanner[] = [];
afterEach(async () => {
  for (const s of scanners.splice(0)) await s.stop();
});

function make(hid: FakeNodeHid, opts: Partial<HidScannerOptions> = {}): { s: HidScanner; r: ReturnType<typeof record> } {
  const s = new HidScanner({
    id: 'hid-1',
    counter: 'counter-1',
    vendorId: VID,
    productId: PID,
    mode: 'pos',
    hid,
    backoff: { initialMs: 20, maxMs: 80 },
    ...opts,
  });
  scanners.push(s);
  return { s, r: record(s) };
}

// "]E0" EAN-13 6901234567892 as one 64-byte HID-POS report (layout in hid-pos.test.ts).
const EAN13 = posReport(']E0', '6901234567892', false, 0x64);

describe('HidScanner', () => {
  it('opens the HID-POS interface of vid:pid and emits scans with their AIM symbology', async () => {
    const hid = new FakeNodeHid();
    hid.list = [OTHER, KEYBOARD_IFACE, POS_IFACE];
    const { s, r } = make(hid);
    await s.start();
    expect(s.status()).toMatchObject({ state: 'connected', type: 'hid', kind: 'scanner', path: 'usb 0c2e:0b61 /dev/fake-hidraw1' });
    expect(hid.last.path).toBe('/dev/fake-hidraw1');
    hid.last.send(posReport(']d2', '0106901234567892\x1d21AB', true));
    hid.last.send(posReport(']d2', 'C123', false));
    hid.last.send(EAN13);
    expect(r.scans.map(({ text, symbology, deviceId }) => ({ text, symbology, deviceId }))).toEqual([
      { text: '0106901234567892\x1d21ABC123', symbology: ']d2', deviceId: 'hid-1' },
      { text: '6901234567892', symbology: ']E0', deviceId: 'hid-1' },
    ]);
    expect(r.scans[0]?.at).toBeInstanceOf(Date);
  });

  it('keyboard mode: decodes boot reports, splits an AIM prefix into symbology, strips a configured suffix', async () => {
    const hid = new FakeNodeHid();
    hid.list = [KEYBOARD_IFACE, POS_IFACE];
    const { s, r } = make(hid, { mode: 'keyboard', suffix: '#' });
    await s.start();
    expect(hid.last.path).toBe('/dev/fake-hidraw0');
    const reports = [
      '00 00 30 00 00 00 00 00', // ]
      '00 00 07 00 00 00 00 00', // d
      '00 00 1f 00 00 00 00 00', // 2
      '00 00 27 00 00 00 00 00', // 0
      '00 00 1e 00 00 00 00 00', // 1
      '01 00 30 00 00 00 00 00', // Ctrl+] -> GS
      '02 00 04 00 00 00 00 00', // Shift+a -> A
      '02 00 20 00 00 00 00 00', // Shift+3 -> #
      '00 00 28 00 00 00 00 00', // Enter
    ];
    for (const line of reports) {
      hid.last.send(hex(line));
      hid.last.send(hex('00 00 00 00 00 00 00 00')); // key-up
    }
    expect(r.scans.map(({ text, symbology }) => ({ text, symbology }))).toEqual([{ text: '01\x1dA', symbology: ']d2' }]);
    expect(r.warnings).toEqual([]);
  });

  it('keyboard mode: a scan with no Enter is discarded by the timer with a warning', async () => {
    const hid = new FakeNodeHid();
    hid.list = [KEYBOARD_IFACE];
    const { s, r } = make(hid, { mode: 'keyboard', keyboardTimeoutMs: 50 });
    await s.start();
    hid.last.send(hex('00 00 1e 00 00 00 00 00'));
    hid.last.send(hex('00 00 00 00 00 00 00 00'));
    await until('a warning', () => r.warnings.length === 1, 2000);
    expect(r.warnings[0]).toBe('HID scanner usb 0c2e:0b61: partial keyboard scan "1" discarded: no Enter within 50 ms');
    expect(r.scans).toEqual([]);
  });

  it('unplug: error on the handle -> missing; re-enumerates with backoff, not in a tight loop; replug -> reads again', async () => {
    const hid = new FakeNodeHid();
    hid.list = [POS_IFACE];
    const { s, r } = make(hid);
    await s.start();
    const first = hid.last;
    hid.list = [];
    first.emit('error', new Error('could not read from HID device'));
    await until('missing', () => s.status().state === 'missing');
    expect(first.closed).toBe(true);
    expect(s.status().path).toBe('usb 0c2e:0b61');
    expect(s.status().error).toMatch(/HID scanner usb 0c2e:0b61 at \/dev\/fake-hidraw1 disappeared/);
    const before = hid.enumerations;
    await sleep(500);
    // 20, 40, 80, 80, ... ms: about 7 enumerations in 500 ms; a tight loop would make thousands.
    expect(hid.enumerations - before).toBeGreaterThanOrEqual(3);
    expect(hid.enumerations - before).toBeLessThanOrEqual(10);
    hid.list = [POS_IFACE];
    await until('connected', () => s.status().state === 'connected', 2000);
    expect(hid.handles).toHaveLength(2);
    hid.last.send(EAN13);
    expect(r.scans.map((e) => e.text)).toEqual(['6901234567892']);
    expect(r.statuses.map((x) => x.state)).toEqual(['connected', 'missing', 'connected']);
  });

  it('a scan cut off by the unplug is discarded with a warning, not emitted short', async () => {
    const hid = new FakeNodeHid();
    hid.list = [POS_IFACE];
    const { s, r } = make(hid);
    await s.start();
    hid.last.send(posReport(']d2', '0106901234567892', true));
    hid.list = [];
    hid.last.emit('error', new Error('could not read from HID device'));
    await until('missing', () => s.status().state === 'missing');
    expect(r.scans).toEqual([]);
    expect(r.warnings).toEqual(['HID scanner usb 0c2e:0b61: HID-POS scan cut off before its last report: discarded']);
  });

  it('starts missing (no throw) when the scanner is not plugged in, and stop() ends the retries', async () => {
    const hid = new FakeNodeHid();
    hid.list = [OTHER];
    const { s } = make(hid);
    await s.start();
    expect(s.status()).toMatchObject({ state: 'missing', path: 'usb 0c2e:0b61' });
    expect(s.status().error).toMatch(/wrong scanners\[\]\.vendorId\/productId/);
    await s.stop();
    const count = hid.enumerations;
    await sleep(200);
    expect(hid.enumerations).toBe(count);
    expect(s.status().state).toBe('stopped');
  });

  it('reports error when the device is there but only in the other mode', async () => {
    const hid = new FakeNodeHid();
    hid.list = [KEYBOARD_IFACE];
    const { s } = make(hid, { mode: 'pos' });
    await s.start();
    expect(s.status().state).toBe('error');
    expect(s.status().error).toMatch(/usb 0c2e:0b61 has no HID-POS scanner interface \(usage page 0x8C\); it offers usage page\/usage 0x1\/0x6/);
    expect(s.status().error).toMatch(/set scanners\[\]\.mode/);
  });

  it('reports error naming the path when open fails (permissions)', async () => {
    const hid = new FakeNodeHid();
    hid.list = [POS_IFACE];
    hid.HIDAsync.open = () => Promise.reject(new Error('cannot open device with path /dev/fake-hidraw1'));
    const { s } = make(hid);
    await s.start();
    expect(s.status().state).toBe('error');
    expect(s.status().error).toMatch(/cannot open HID scanner usb 0c2e:0b61 at \/dev\/fake-hidraw1.*udev rules installed/);
  });

  it('stop() while the device is still opening closes what was opened; a restart opens it afresh', async () => {
    const hid = new FakeNodeHid();
    hid.list = [POS_IFACE];
    const open = hid.HIDAsync.open;
    hid.HIDAsync.open = (path) => sleep(50).then(() => open(path));
    const { s, r } = make(hid);
    const starting = s.start();
    await sleep(10);
    await s.stop();
    await starting;
    expect(hid.handles).toHaveLength(1);
    expect(hid.last.closed).toBe(true);
    expect(s.status().state).toBe('stopped');
    await s.start();
    expect(s.status().state).toBe('connected');
    expect(hid.handles).toHaveLength(2);
    hid.last.send(EAN13);
    expect(r.scans).toHaveLength(1);
  });

  it('uses the synchronous HID class when the module has no HIDAsync', async () => {
    const opened: FakeHidHandle[] = [];
    const sync: HidModule = {
      devices: () => [POS_IFACE],
      HID: class extends FakeHidHandle {
        constructor(path: string) {
          super(path);
          opened.push(this);
        }
      },
    };
    const s = new HidScanner({ id: 'hid-sync', counter: 'counter-1', vendorId: VID, productId: PID, mode: 'pos', hid: sync });
    scanners.push(s);
    const r = record(s);
    await s.start();
    opened[0]?.send(EAN13);
    expect(r.scans.map((e) => e.text)).toEqual(['6901234567892']);
  });

  it('takes the first interface when the backend reports no usage page (libusb)', () => {
    const bare = { vendorId: VID, productId: PID, path: '1-2:1.0' };
    expect(pick([bare], VID, PID, 'pos')).toBe(bare);
    expect(pick([bare], VID, PID, 'keyboard')).toBe(bare);
    expect(pick([OTHER], VID, PID, 'pos')).toBeUndefined();
  });
});

describe('real node-hid', () => {
  it('loads its hidraw addon lazily and enumerates (no such scanner here: missing)', async () => {
    const s = new HidScanner({ id: 'real', counter: 'counter-1', vendorId: 0xfffe, productId: 0xfffe, mode: 'pos', backoff: { initialMs: 60_000 } });
    scanners.push(s);
    await s.start();
    // `error` here means node-hid could not load: install libusb-1.0-0 (its hidraw binary links it).
    expect(s.status().error).toMatch(/no HID device usb fffe:fffe/);
    expect(s.status().state).toBe('missing');
  });
});
