// Keyboard-wedge scanner decoder, pure: 8-byte boot keyboard reports in, scans and warnings out.
//
//   byte 0     modifiers: bit0 LCtrl, bit1 LShift, bit2 LAlt, bit3 LGUI, bit4 RCtrl, bit5 RShift, bit6 RAlt, bit7 RGUI
//   byte 1     reserved (0)
//   bytes 2-7  up to six usage codes (HID usage page 0x07) of the keys now held; 0 = empty slot
//
// A character is typed when its usage newly appears (key-down edge); a report without it is the key-up,
// so "11" arrives as down, up, down, up. US layout with shift; Ctrl+] is GS (0x1D, the GS1 separator)
// and Ctrl+letter/[\]^_@ are the other control characters; Alt held with keypad digits is an Alt code
// (Alt+0,2,9 -> GS), as some scanners send it. Enter or keypad Enter ends the scan. Keys arriving after a
// pause longer than the timeout do not continue the old scan: the partial one is dropped with a warning.

import type { DecodeOutput } from './hid-pos.js';

export const ENTER = 0x28;
export const KEYPAD_ENTER = 0x58;
const ERROR_ROLLOVER = 0x01;
const CTRL = 0x11;
const SHIFT = 0x22;
const ALT = 0x44;

/** Usage -> [unshifted, shifted] for the US layout. */
const US = new Map<number, readonly [string, string]>();
for (let u = 0x04; u <= 0x1d; u++) {
  const c = String.fromCharCode(0x61 + u - 0x04);
  US.set(u, [c, c.toUpperCase()]);
}
'1234567890'.split('').forEach((d, i) => US.set(0x1e + i, [d, '!@#$%^&*()'[i] ?? '']));
const PUNCT: [number, string, string][] = [
  [0x2b, '\t', '\t'],
  [0x2c, ' ', ' '],
  [0x2d, '-', '_'],
  [0x2e, '=', '+'],
  [0x2f, '[', '{'],
  [0x30, ']', '}'],
  [0x31, '\\', '|'],
  [0x32, '\\', '|'],
  [0x33, ';', ':'],
  [0x34, "'", '"'],
  [0x35, '`', '~'],
  [0x36, ',', '<'],
  [0x37, '.', '>'],
  [0x38, '/', '?'],
  [0x64, '\\', '|'],
  // Keypad (Num Lock assumed on, as scanners expect).
  [0x54, '/', '/'],
  [0x55, '*', '*'],
  [0x56, '-', '-'],
  [0x57, '+', '+'],
  [0x63, '.', '.'],
];
for (const [u, plain, shifted] of PUNCT) US.set(u, [plain, shifted]);
const KEYPAD_DIGIT = new Map<number, string>();
'1234567890'.split('').forEach((d, i) => KEYPAD_DIGIT.set(0x59 + i, d));
for (const [u, d] of KEYPAD_DIGIT) US.set(u, [d, d]);
/** Keys that carry no character and are harmless in a scan. */
const IGNORED = new Set([0x39 /* Caps Lock */, 0x53 /* Num Lock */]);

export interface KeyboardDecoderOptions {
  /** A scan with no keys for this long and no Enter is discarded; default 1000 ms. */
  timeoutMs?: number;
  /** Clock in ms (injectable for tests); default Date.now. */
  now?: () => number;
  /** Longest scan kept; beyond this the scan is discarded with a warning; default 8192 characters. */
  maxLength?: number;
}

export class HidKeyboardDecoder {
  private held = new Set<number>();
  private text = '';
  private altDigits = '';
  private last = 0;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly maxLength: number;

  constructor(opts: KeyboardDecoderOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 1000;
    this.now = opts.now ?? Date.now;
    this.maxLength = opts.maxLength ?? 8192;
  }

  /** When the partial scan expires (ms on the decoder's clock), or undefined when none is pending. */
  get deadline(): number | undefined {
    return this.pending ? this.last + this.timeoutMs : undefined;
  }

  private get pending(): boolean {
    return this.text.length > 0 || this.altDigits.length > 0;
  }

  feed(report: Uint8Array, now: number = this.now()): DecodeOutput[] {
    const out = this.expire(now);
    // A keyboard behind a numbered report (hidraw passes the report id first) is 9 bytes.
    const r = report.length === 9 ? report.subarray(1) : report;
    if (r.length < 8) {
      out.push(warning(`keyboard report of ${report.length} bytes (expected 8): ignored`));
      return out;
    }
    this.last = now;
    const mods = r[0] ?? 0;
    const keys: number[] = [];
    for (let i = 2; i < 8; i++) {
      const u = r[i] ?? 0;
      if (u !== 0) keys.push(u);
    }
    // Too many keys at once: the report carries no real key state; keep the previous one.
    if (keys.includes(ERROR_ROLLOVER)) return out;
    const downs = keys.filter((u) => !this.held.has(u));
    this.held = new Set(keys);
    for (const u of downs) this.key(u, mods, out);
    if ((mods & ALT) === 0 && this.altDigits.length > 0) this.endAltCode(out);
    return out;
  }

  /** Discards a partial scan older than the timeout; the adapter calls it from a timer at `deadline`. */
  expire(now: number = this.now()): DecodeOutput[] {
    if (!this.pending || now - this.last < this.timeoutMs) return [];
    const partial = this.text;
    this.text = '';
    this.altDigits = '';
    return [warning(`partial keyboard scan ${JSON.stringify(partial)} discarded: no Enter within ${this.timeoutMs} ms`)];
  }

  /** Forgets everything (device lost); a warning if a scan was cut off. */
  reset(): DecodeOutput[] {
    const out = this.pending ? [warning(`partial keyboard scan ${JSON.stringify(this.text)} discarded: device went away`)] : [];
    this.held.clear();
    this.text = '';
    this.altDigits = '';
    return out;
  }

  private key(u: number, mods: number, out: DecodeOutput[]): void {
    if (u === ENTER || u === KEYPAD_ENTER) {
      if (this.altDigits.length > 0) this.endAltCode(out);
      if (this.text.length > 0) out.push({ kind: 'scan', text: this.text });
      this.text = '';
      return;
    }
    if ((mods & ALT) !== 0) {
      const digit = KEYPAD_DIGIT.get(u);
      if (digit !== undefined) this.altDigits += digit;
      else out.push(warning(`Alt with key usage 0x${hex(u)} ignored`));
      return;
    }
    const chars = US.get(u);
    if (chars === undefined) {
      if (!IGNORED.has(u)) out.push(warning(`key usage 0x${hex(u)} has no character: ignored`));
      return;
    }
    const ch = (mods & SHIFT) !== 0 ? chars[1] : chars[0];
    if ((mods & CTRL) !== 0) {
      const c = ch.toUpperCase().charCodeAt(0);
      if (c >= 0x40 && c <= 0x5f) this.append(String.fromCharCode(c & 0x1f), out);
      else out.push(warning(`Ctrl+${JSON.stringify(ch)} has no control character: ignored`));
      return;
    }
    this.append(ch, out);
  }

  private endAltCode(out: DecodeOutput[]): void {
    const code = Number.parseInt(this.altDigits, 10);
    this.altDigits = '';
    if (code >= 0 && code <= 255) this.append(String.fromCharCode(code), out);
    else out.push(warning(`Alt code ${code} is not a byte: ignored`));
  }

  private append(ch: string, out: DecodeOutput[]): void {
    if (this.text.length >= this.maxLength) {
      out.push(warning(`keyboard scan longer than ${this.maxLength} characters without Enter: discarded`));
      this.text = '';
      return;
    }
    this.text += ch;
  }
}

function warning(message: string): DecodeOutput {
  return { kind: 'warning', message };
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
