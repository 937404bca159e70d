// HID-POS decoding from input reports byte for byte as a Honeywell scanner in "USB HID POS" mode sends
// them through hidraw (64 bytes each):
//   [0] report id 0x02  [1] data length in this report  [2..4] AIM id  [5..60] data, zero padded
//   [61] Honeywell code id  [62] reserved  [63] bit 0: more data follows

import { describe, expect, it } from 'vitest';
import { HidPosDecoder } from './hid-pos.js';
import { hex, posReport } from './scanner.test-helpers.js';

// EAN-13 6901234567892 in one report.
const EAN13 = hex(`
  02 0d 5d 45 30 36 39 30 31 32 33 34 35 36 37 38
  39 32 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 64 00 00`);
// ^ 02 report id; 0d = 13 data bytes; 5d 45 30 = "]E0" (EAN-13); "6901234567892"; 64 = 'd' Honeywell
//   EAN-13 code id at [61]; [63] = 00: last report.

// GS1 Data Matrix, 68 data bytes: 0106901234567892 21ABCDEFGHIJ0123456789 <GS> 17271231 10LOT2026A <GS> 240ABC-123
const DM_PART1 = hex(`
  02 38 5d 64 32 30 31 30 36 39 30 31 32 33 34 35
  36 37 38 39 32 32 31 41 42 43 44 45 46 47 48 49
  4a 30 31 32 33 34 35 36 37 38 39 1d 31 37 32 37
  31 32 33 31 31 30 4c 4f 54 32 30 32 36 77 00 01`);
// ^ 38 = 56 data bytes (full); 5d 64 32 = "]d2" (Data Matrix, GS1); 1d at [43] = GS; 77 = 'w' Honeywell
//   Data Matrix code id; [63] = 01: more data follows.
const DM_PART2 = hex(`
  02 0c 5d 64 32 41 1d 32 34 30 41 42 43 2d 31 32
  33 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
  00 00 00 00 00 00 00 00 00 00 00 00 00 77 00 00`);
// ^ 0c = the remaining 12 bytes "A<GS>240ABC-123", AIM repeated, [63] = 00: scan complete.

const DM_TEXT = '0106901234567892' + '21ABCDEFGHIJ0123456789' + '\x1d' + '17271231' + '10LOT2026A' + '\x1d' + '240ABC-123';

describe('HidPosDecoder', () => {
  it('decodes a single-report EAN-13 with its AIM id', () => {
    expect(new HidPosDecoder().feed(EAN13)).toEqual([{ kind: 'scan', text: '6901234567892', symbology: ']E0' }]);
  });

  it('concatenates a multi-report GS1 Data Matrix until the more-data flag clears, GS intact', () => {
    const d = new HidPosDecoder();
    expect(d.feed(DM_PART1)).toEqual([]);
    const out = d.feed(DM_PART2);
    expect(out).toEqual([{ kind: 'scan', text: DM_TEXT, symbology: ']d2' }]);
    expect(DM_TEXT).toHaveLength(68);
    // And the decoder is ready for the next scan.
    expect(d.feed(EAN13)).toEqual([{ kind: 'scan', text: '6901234567892', symbology: ']E0' }]);
  });

  it('handles three reports and a scan whose length fills the last report exactly', () => {
    const data = 'X'.repeat(56 * 3);
    const d = new HidPosDecoder();
    expect(d.feed(posReport(']C1', data.slice(0, 56), true))).toEqual([]);
    expect(d.feed(posReport(']C1', data.slice(56, 112), true))).toEqual([]);
    expect(d.feed(posReport(']C1', data.slice(112), false))).toEqual([{ kind: 'scan', text: data, symbology: ']C1' }]);
  });

  it('warns on a bad length instead of crashing, drops the scan it belonged to, and recovers', () => {
    const d = new HidPosDecoder();
    expect(d.feed(DM_PART1)).toEqual([]);
    const bad = Uint8Array.from(DM_PART2);
    bad[1] = 0x50; // 80 bytes claimed, room for 56
    const out = d.feed(bad);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ kind: 'warning' });
    expect(JSON.stringify(out[0])).toMatch(/data length 80 but room for 56 .* and the scan it continued discarded/);
    expect(d.feed(EAN13)).toEqual([{ kind: 'scan', text: '6901234567892', symbology: ']E0' }]);
  });

  it('warns on truncated reports, empty reports and other report ids', () => {
    const d = new HidPosDecoder();
    expect(d.feed(hex('02 05 5d 45 30'))[0]).toMatchObject({ kind: 'warning' });
    expect(d.feed(new Uint8Array(0))[0]).toMatchObject({ kind: 'warning' });
    const other = d.feed(hex('01 00 04 00 00 00 00 00 00'));
    expect(JSON.stringify(other)).toMatch(/report id 0x01 is not scanned data/);
  });

  it('has no symbology when the scanner sends no AIM id (zeros)', () => {
    const r = posReport('\0\0\0', '12345', false);
    expect(new HidPosDecoder().feed(r)).toEqual([{ kind: 'scan', text: '12345' }]);
  });

  it('reset() reports a scan cut off mid-way (device lost)', () => {
    const d = new HidPosDecoder();
    d.feed(DM_PART1);
    expect(d.reset()).toEqual([{ kind: 'warning', message: 'HID-POS scan cut off before its last report: discarded' }]);
    expect(d.reset()).toEqual([]);
  });

  it('discards a scan whose more-data flag never clears once it exceeds 8 KiB', () => {
    const d = new HidPosDecoder();
    let out: ReturnType<HidPosDecoder['feed']> = [];
    for (let i = 0; i < 200 && out.length === 0; i++) out = d.feed(posReport(']C1', 'Y'.repeat(56), true));
    expect(JSON.stringify(out)).toMatch(/longer than 8192 bytes/);
  });
});
