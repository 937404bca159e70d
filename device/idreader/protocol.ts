// 二代证 SAM module serial protocol ("SAM_V"): framing, checksum and status codes. Pure, no I/O.
//
// Sources relied on (they agree on everything used here):
//  - 东信 "身份证阅读器模块SAM_V通讯协议", http://eastcoms.com/service/downdrive/508.html (same text at
//    https://blog.csdn.net/zhangbijun1230/article/details/85242964): preamble AA AA AA 96 69; Len1 Len2
//    big-endian, counting CMD+Para+Data+CHK_SUM (request) or SW1+SW2+SW3+Data+CHK_SUM (response);
//    CHK_SUM = XOR of every byte except the preamble and the checksum itself; UART default 115200 8N1.
//  - https://softs.im/身份证阅读器通信协议 : command table (10/FF reset, 11/FF status, 12/FF SAM id,
//    20/01 find, 20/02 select, 30/01 read basic info, 30/03 appended address) and the SW1 SW2 SW3 table
//    (90 success, 9F find success, 10 checksum error, 11 length error, 21 bad command, 24 unknown,
//    31/32/33 authentication, 40 wrong card, 41 read failed, 47 random failed, 60 self-test failed,
//    66 not authorised, 80 find failed, 81 select failed, 91 no content).
//  - Worked frames from a 华视 100D user, https://yzsam.com/html/CNvfzM.html : find request
//    AA AA AA 96 69 00 03 20 01 22, its answer ... 00 08 00 00 9F 00 00 00 00 97, select answer with 8 data
//    bytes, read answer 1295 bytes in all; 东信 http://eastcoms.com/service/downdrive/533.html shows that
//    answer starting AA AA AA 96 69 05 08 00 00 90 01 00 04 00 (text length 0x0100, photo length 0x0400).
//    These confirm that the checksum covers the length field.
// One page (chinasem.cn/article/392748) shows an 8-byte "EA EB EC ED ..." header instead: a vendor SDK
// dump, not the UART protocol; we follow the majority above.

export const PREAMBLE = Uint8Array.of(0xaa, 0xaa, 0xaa, 0x96, 0x69);
/** Longest length field we accept: the biggest documented answer (30/10, text+photo+fingerprints) is 2314. */
export const MAX_FRAME_LENGTH = 4096;

export const CMD = {
  reset: [0x10, 0xff],
  samStatus: [0x11, 0xff],
  samId: [0x12, 0xff],
  findCard: [0x20, 0x01],
  selectCard: [0x20, 0x02],
  readBasic: [0x30, 0x01],
} as const;

/** SW3 values (SW1 SW2 are usually 00 00; for some errors they carry the card's APDU status). */
export const SW3 = {
  success: 0x90,
  findSuccess: 0x9f,
  checksumError: 0x10,
  lengthError: 0x11,
  commandError: 0x21,
  unknownError: 0x24,
  readFailed: 0x41,
  noCard: 0x80,
  selectFailed: 0x81,
} as const;

const STATUS_TEXT: Record<number, string> = {
  0x90: 'success',
  0x9f: 'find card success',
  0x10: 'reader received a bad checksum',
  0x11: 'reader received a bad length',
  0x21: 'reader received an invalid command',
  0x23: 'unauthorised extended command',
  0x24: 'unrecognised error',
  0x31: 'card authentication of the reader failed',
  0x32: 'reader authentication of the card failed',
  0x33: 'information verification failed',
  0x40: 'wrong card type',
  0x41: 'reading the card failed',
  0x47: 'getting a random number failed',
  0x60: 'SAM self-test failed',
  0x66: 'SAM not authorised',
  0x80: 'no card (find failed)',
  0x81: 'select card failed',
  0x91: 'card has no such content',
};

export function statusText(sw3: number): string {
  return STATUS_TEXT[sw3] ?? `unknown status 0x${hex(sw3)}`;
}

export interface Response {
  sw1: number;
  sw2: number;
  sw3: number;
  data: Uint8Array;
}

export interface Request {
  cmd: number;
  para: number;
  data: Uint8Array;
}

export type FrameErrorCode = 'bad_checksum' | 'bad_length' | 'garbage';

/** A problem in the byte stream; the decoder has already resynchronised when it reports one. */
export class FrameError extends Error {
  constructor(
    readonly code: FrameErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

export type FrameOf<K extends 'request' | 'response'> = K extends 'request' ? Request : Response;

export type Decoded<T> = { ok: true; frame: T } | { ok: false; error: FrameError };

function xor(bytes: Uint8Array, from: number, to: number): number {
  let x = 0;
  for (let i = from; i < to; i++) x ^= bytes[i]!;
  return x;
}

function frame(head: number[], data: Uint8Array, corruptChecksum: boolean): Uint8Array {
  const len = head.length + data.length + 1;
  if (len > 0xffff) throw new RangeError(`SAM frame too long: ${len}`);
  const out = new Uint8Array(PREAMBLE.length + 2 + len);
  out.set(PREAMBLE, 0);
  out[5] = len >> 8;
  out[6] = len & 0xff;
  out.set(head, 7);
  out.set(data, 7 + head.length);
  out[out.length - 1] = xor(out, 5, out.length - 1) ^ (corruptChecksum ? 0xff : 0);
  return out;
}

export function encodeRequest(cmd: number, para: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  return frame([cmd, para], data, false);
}

/** `corruptChecksum` is for the simulator's fault injection. */
export function encodeResponse(
  sw3: number,
  data: Uint8Array = new Uint8Array(0),
  opts: { sw1?: number; sw2?: number; corruptChecksum?: boolean } = {},
): Uint8Array {
  return frame([opts.sw1 ?? 0, opts.sw2 ?? 0, sw3], data, opts.corruptChecksum ?? false);
}

/**
 * Streaming decoder: push chunks as they arrive, get whole frames (and stream errors) out. Bytes before a
 * preamble are dropped (reported once per push as `garbage`); a frame split over chunks waits for the rest;
 * a length field that is too small or above `maxLength` skips that preamble and resyncs; a bad checksum
 * drops the frame. Never throws.
 */
export class FrameDecoder<K extends 'request' | 'response', T = FrameOf<K>> {
  private buf: Uint8Array = new Uint8Array(0);
  private readonly headLen: number;

  constructor(
    readonly kind: K,
    private readonly maxLength = MAX_FRAME_LENGTH,
  ) {
    this.headLen = kind === 'request' ? 2 : 3;
  }

  /** Drop whatever is buffered (after a timeout the rest of a frame is not worth waiting for). */
  reset(): void {
    this.buf = new Uint8Array(0);
  }

  get buffered(): number {
    return this.buf.length;
  }

  push(chunk: Uint8Array): Decoded<T>[] {
    const merged = new Uint8Array(this.buf.length + chunk.length);
    merged.set(this.buf, 0);
    merged.set(chunk, this.buf.length);
    let b = merged;
    const out: Decoded<T>[] = [];
    let skipped = 0;
    for (;;) {
      const at = findPreamble(b);
      if (at < 0) {
        // Keep a tail that may be the start of a preamble split across chunks.
        const keep = partialPreambleTail(b);
        skipped += b.length - keep;
        b = b.subarray(b.length - keep);
        break;
      }
      skipped += at;
      b = b.subarray(at);
      if (b.length < 7) break;
      const len = (b[5]! << 8) | b[6]!;
      if (len < this.headLen + 1 || len > this.maxLength) {
        out.push({ ok: false, error: new FrameError('bad_length', `SAM frame length ${len} out of range ${this.headLen + 1}..${this.maxLength}`) });
        b = b.subarray(1);
        continue;
      }
      if (b.length < 7 + len) break;
      const whole = b.subarray(0, 7 + len);
      b = b.subarray(7 + len);
      const expected = xor(whole, 5, whole.length - 1);
      const got = whole[whole.length - 1]!;
      if (expected !== got) {
        out.push({
          ok: false,
          error: new FrameError('bad_checksum', `SAM frame checksum 0x${hex(got)}, expected 0x${hex(expected)} (${len}-byte frame dropped)`),
        });
        continue;
      }
      out.push({ ok: true, frame: this.parse(whole) });
    }
    if (skipped > 0) out.unshift({ ok: false, error: new FrameError('garbage', `discarded ${skipped} byte(s) outside a SAM frame`) });
    this.buf = b.slice();
    return out;
  }

  private parse(whole: Uint8Array): T {
    const data = whole.slice(7 + this.headLen, whole.length - 1);
    const f: Request | Response =
      this.kind === 'request' ? { cmd: whole[7]!, para: whole[8]!, data } : { sw1: whole[7]!, sw2: whole[8]!, sw3: whole[9]!, data };
    return f as T;
  }
}

function findPreamble(b: Uint8Array): number {
  outer: for (let i = 0; i + PREAMBLE.length <= b.length; i++) {
    for (let j = 0; j < PREAMBLE.length; j++) if (b[i + j] !== PREAMBLE[j]) continue outer;
    return i;
  }
  return -1;
}

/** Length of the longest suffix of `b` that is a proper prefix of the preamble. */
function partialPreambleTail(b: Uint8Array): number {
  for (let k = Math.min(PREAMBLE.length - 1, b.length); k > 0; k--) {
    let match = true;
    for (let j = 0; j < k; j++)
      if (b[b.length - k + j] !== PREAMBLE[j]) {
        match = false;
        break;
      }
    if (match) return k;
  }
  return 0;
}

export function hex(n: number): string {
  return n.toString(16).padStart(2, '0').toUpperCase();
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, hex).join(' ');
}
