// Keyboard-wedge decoding from 8-byte boot keyboard reports exactly as a scanner sends them:
//   [0] modifiers (01 LCtrl, 02 LShift, 04 LAlt, 10 RCtrl, 20 RShift)  [1] reserved  [2..7] usages held
// Every key-down report is followed by an all-zero key-up report, as scanners do.

import { describe, expect, it } from 'vitest';
import { HidKeyboardDecoder } from './hid-keyboard.js';
import type { DecodeOutput } from './hid-pos.js';
import { hex } from './scanner.test-helpers.js';

function feedAll(d: HidKeyboardDecoder, reports: string, t0 = 0, stepMs = 2): DecodeOutput[] {
  const out: DecodeOutput[] = [];
  const lines = reports
    .split('\n')
    .map((l) => l.replace(/\/\/.*$/, '').trim())
    .filter((l) => l.length > 0);
  lines.forEach((line, i) => out.push(...d.feed(hex(line), t0 + i * stepMs)));
  return out;
}

const scans = (out: DecodeOutput[]): string[] => out.flatMap((o) => (o.kind === 'scan' ? [o.text] : []));
const warnings = (out: DecodeOutput[]): string[] => out.flatMap((o) => (o.kind === 'warning' ? [o.message] : []));

describe('HidKeyboardDecoder', () => {
  it('types shifted capitals, "(", Ctrl+] as GS, a repeated digit, and ends at Enter', () => {
    const out = feedAll(
      new HidKeyboardDecoder(),
      `
      02 00 04 00 00 00 00 00   // LShift + a -> 'A'
      00 00 00 00 00 00 00 00   // key-up
      00 00 05 00 00 00 00 00   // b
      00 00 00 00 00 00 00 00
      02 00 26 00 00 00 00 00   // LShift + 9 -> '('
      00 00 00 00 00 00 00 00
      01 00 30 00 00 00 00 00   // LCtrl + ] -> GS 0x1D
      00 00 00 00 00 00 00 00
      00 00 1e 00 00 00 00 00   // 1
      00 00 00 00 00 00 00 00   // key-up between the two 1s
      00 00 1e 00 00 00 00 00   // 1 again
      00 00 00 00 00 00 00 00
      20 00 27 00 00 00 00 00   // RShift + 0 -> ')'
      00 00 00 00 00 00 00 00
      00 00 28 00 00 00 00 00   // Enter
      00 00 00 00 00 00 00 00`,
    );
    expect(out).toEqual([{ kind: 'scan', text: 'Ab(\x1d11)' }]);
  });

  it('decodes a GS1 code with an AIM prefix typed by the scanner (the adapter splits the AIM id off)', () => {
    const out = feedAll(
      new HidKeyboardDecoder(),
      `
      00 00 30 00 00 00 00 00   // ]
      00 00 00 00 00 00 00 00
      00 00 07 00 00 00 00 00   // d
      00 00 00 00 00 00 00 00
      00 00 1f 00 00 00 00 00   // 2
      00 00 00 00 00 00 00 00
      00 00 27 00 00 00 00 00   // 0
      00 00 00 00 00 00 00 00
      00 00 1e 00 00 00 00 00   // 1
      00 00 00 00 00 00 00 00
      11 00 30 00 00 00 00 00   // LCtrl+RCtrl + ] -> GS
      00 00 00 00 00 00 00 00
      00 00 1f 00 00 00 00 00   // 2
      00 00 00 00 00 00 00 00
      00 00 58 00 00 00 00 00   // keypad Enter
      00 00 00 00 00 00 00 00`,
    );
    expect(scans(out)).toEqual([']d201\x1d2']);
  });

  it('handles shift in its own report, a held key (no repeat), and two keys down in one report', () => {
    const out = feedAll(
      new HidKeyboardDecoder(),
      `
      02 00 00 00 00 00 00 00   // LShift down alone
      02 00 16 00 00 00 00 00   // LShift + s -> 'S'
      02 00 00 00 00 00 00 00   // s up, shift still held
      00 00 00 00 00 00 00 00   // shift up
      00 00 20 00 00 00 00 00   // 3
      00 00 20 00 00 00 00 00   // 3 still held: not typed again
      00 00 20 21 00 00 00 00   // 4 pressed while 3 held
      00 00 00 00 00 00 00 00
      00 00 2d 00 00 00 00 00   // -
      00 00 00 00 00 00 00 00
      02 00 2d 00 00 00 00 00   // _
      00 00 00 00 00 00 00 00
      00 00 55 00 00 00 00 00   // keypad *
      00 00 00 00 00 00 00 00
      00 00 28 00 00 00 00 00   // Enter
      00 00 00 00 00 00 00 00`,
    );
    expect(scans(out)).toEqual(['S34-_*']);
  });

  it('types US punctuation with and without shift', () => {
    const d = new HidKeyboardDecoder();
    const usages = [0x2e, 0x2f, 0x31, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x2c];
    const lines = [
      ...usages.flatMap((u) => [`00 00 ${u.toString(16)} 00 00 00 00 00`, '00 00 00 00 00 00 00 00']),
      ...usages.flatMap((u) => [`02 00 ${u.toString(16)} 00 00 00 00 00`, '00 00 00 00 00 00 00 00']),
      '00 00 28 00 00 00 00 00',
    ];
    expect(scans(feedAll(d, lines.join('\n')))).toEqual(['=[\\;\'`,./ +{|:"~<>? ']);
  });

  it('turns Alt + keypad 0 2 9 (an Alt code) into GS when Alt is released', () => {
    const out = feedAll(
      new HidKeyboardDecoder(),
      `
      00 00 1e 00 00 00 00 00   // 1
      00 00 00 00 00 00 00 00
      04 00 00 00 00 00 00 00   // LAlt down
      04 00 62 00 00 00 00 00   // keypad 0
      04 00 00 00 00 00 00 00
      04 00 5a 00 00 00 00 00   // keypad 2
      04 00 00 00 00 00 00 00
      04 00 61 00 00 00 00 00   // keypad 9
      04 00 00 00 00 00 00 00
      00 00 00 00 00 00 00 00   // LAlt up -> GS
      00 00 1f 00 00 00 00 00   // 2
      00 00 00 00 00 00 00 00
      00 00 28 00 00 00 00 00   // Enter
      00 00 00 00 00 00 00 00`,
    );
    expect(scans(out)).toEqual(['1\x1d2']);
  });

  it('ignores an ErrorRollOver report (no key state) and accepts a 9-byte report with a report id', () => {
    const d = new HidKeyboardDecoder();
    const out = feedAll(
      d,
      `
      00 00 1e 00 00 00 00 00   // 1
      00 00 01 01 01 01 01 01   // phantom state: ignored, 1 still counts as held
      00 00 1e 00 00 00 00 00   // still held, no repeat
      00 00 00 00 00 00 00 00
      01 00 00 1f 00 00 00 00 00   // report id 01, then: 2
      01 00 00 00 00 00 00 00 00
      00 00 28 00 00 00 00 00`,
    );
    expect(out).toEqual([{ kind: 'scan', text: '12' }]);
  });

  it('discards a partial scan after the timeout with a warning (injected clock)', () => {
    let now = 1000;
    const d = new HidKeyboardDecoder({ timeoutMs: 500, now: () => now });
    d.feed(hex('00 00 1e 00 00 00 00 00'));
    d.feed(hex('00 00 00 00 00 00 00 00'));
    d.feed(hex('00 00 1f 00 00 00 00 00'));
    d.feed(hex('00 00 00 00 00 00 00 00'));
    expect(d.deadline).toBe(1500);
    now = 1499;
    expect(d.expire()).toEqual([]);
    now = 1500;
    expect(d.expire()).toEqual([{ kind: 'warning', message: 'partial keyboard scan "12" discarded: no Enter within 500 ms' }]);
    expect(d.deadline).toBeUndefined();
    now = 1600;
    const out = feedAll(
      d,
      `
      00 00 20 00 00 00 00 00
      00 00 00 00 00 00 00 00
      00 00 28 00 00 00 00 00`,
      now,
    );
    expect(out).toEqual([{ kind: 'scan', text: '3' }]);
  });

  it('does not glue a stale partial onto the next scan even without a timer (checked on the next report)', () => {
    const d = new HidKeyboardDecoder({ timeoutMs: 500 });
    const out = [
      ...d.feed(hex('00 00 1e 00 00 00 00 00'), 0),
      ...d.feed(hex('00 00 00 00 00 00 00 00'), 2),
      ...d.feed(hex('00 00 21 00 00 00 00 00'), 5000),
      ...d.feed(hex('00 00 00 00 00 00 00 00'), 5002),
      ...d.feed(hex('00 00 28 00 00 00 00 00'), 5004),
    ];
    expect(scans(out)).toEqual(['4']);
    expect(warnings(out)).toEqual(['partial keyboard scan "1" discarded: no Enter within 500 ms']);
  });

  it('warns about short reports, keys without characters and Ctrl with a digit; ignores Caps Lock', () => {
    const out = feedAll(
      new HidKeyboardDecoder(),
      `
      00 00 1e 00 00 00
      00 00 3a 00 00 00 00 00   // F1
      00 00 39 00 00 00 00 00   // Caps Lock
      01 00 1e 00 00 00 00 00   // Ctrl+1
      00 00 00 00 00 00 00 00
      00 00 28 00 00 00 00 00   // Enter with nothing typed: no scan`,
    );
    expect(scans(out)).toEqual([]);
    expect(warnings(out)).toEqual([
      'keyboard report of 6 bytes (expected 8): ignored',
      'key usage 0x3a has no character: ignored',
      'Ctrl+"1" has no control character: ignored',
    ]);
  });

  it('reset() reports a scan cut off by the device going away', () => {
    const d = new HidKeyboardDecoder();
    d.feed(hex('00 00 1e 00 00 00 00 00'), 0);
    expect(d.reset()).toEqual([{ kind: 'warning', message: 'partial keyboard scan "1" discarded: device went away' }]);
  });
});
