import { describe, expect, it } from 'vitest';
import { CMD, encodeRequest, encodeResponse, FrameDecoder, MAX_FRAME_LENGTH, SW3, statusText, toHex } from './protocol.js';

const fromHex = (s: string): Uint8Array => Uint8Array.from(s.trim().split(/\s+/), (h) => parseInt(h, 16));

describe('SAM protocol framing', () => {
  it('encodes the documented find/select/read requests', () => {
    // Frames as published for a 华视 100D reader (see protocol.ts).
    expect(toHex(encodeRequest(...CMD.findCard))).toBe('AA AA AA 96 69 00 03 20 01 22');
    expect(toHex(encodeRequest(...CMD.selectCard))).toBe('AA AA AA 96 69 00 03 20 02 21');
    expect(toHex(encodeRequest(...CMD.readBasic))).toBe('AA AA AA 96 69 00 03 30 01 32');
  });

  it('decodes the documented find-card answer', () => {
    const d = new FrameDecoder('response');
    const out = d.push(fromHex('AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97'));
    expect(out).toEqual([{ ok: true, frame: { sw1: 0, sw2: 0, sw3: SW3.findSuccess, data: new Uint8Array(4) } }]);
    expect(statusText(0x9f)).toBe('find card success');
    expect(statusText(0x80)).toMatch(/no card/);
    expect(statusText(0x07)).toBe('unknown status 0x07');
  });

  it('round-trips requests and responses, including a 1288-byte read answer', () => {
    const data = Uint8Array.from({ length: 1284 }, (_, i) => (i * 7) & 0xff);
    const resp = encodeResponse(SW3.success, data);
    expect(toHex(resp.subarray(0, 7))).toBe('AA AA AA 96 69 05 08');
    expect(resp.length).toBe(1295);
    const [r] = new FrameDecoder('response').push(resp);
    expect(r).toEqual({ ok: true, frame: { sw1: 0, sw2: 0, sw3: 0x90, data } });
    const [q] = new FrameDecoder('request').push(encodeRequest(0x30, 0x01, Uint8Array.of(1, 2)));
    expect(q).toEqual({ ok: true, frame: { cmd: 0x30, para: 0x01, data: Uint8Array.of(1, 2) } });
  });

  it('reassembles frames split at every possible point, and several frames in one chunk', () => {
    const a = encodeResponse(SW3.success, Uint8Array.of(9, 8, 7));
    const b = encodeResponse(SW3.noCard);
    const both = new Uint8Array([...a, ...b]);
    for (let cut = 1; cut < both.length; cut++) {
      const d = new FrameDecoder('response');
      const frames = [...d.push(both.subarray(0, cut)), ...d.push(both.subarray(cut))];
      expect(frames.map((f) => f.ok && f.frame.sw3)).toEqual([0x90, 0x80]);
      expect(d.buffered).toBe(0);
    }
    const d = new FrameDecoder('response');
    const oneByOne = Array.from(both).flatMap((x) => d.push(Uint8Array.of(x)));
    expect(oneByOne.map((f) => f.ok && f.frame.sw3)).toEqual([0x90, 0x80]);
  });

  it('resyncs on garbage before a preamble, even garbage that looks like half a preamble', () => {
    const d = new FrameDecoder('response');
    const junk = fromHex('13 37 AA AA 96 69 00 AA AA');
    const out = d.push(new Uint8Array([...junk, ...encodeResponse(SW3.success)]));
    expect(out[0]).toMatchObject({ ok: false, error: { code: 'garbage' } });
    expect(out[1]).toMatchObject({ ok: true, frame: { sw3: 0x90 } });
    // A trailing partial preamble is kept for the next chunk, not discarded.
    const e = new FrameDecoder('response');
    const frame = encodeResponse(SW3.success);
    expect(e.push(new Uint8Array([0x01, ...frame.subarray(0, 4)])).map((x) => x.ok)).toEqual([false]);
    expect(e.push(frame.subarray(4))).toMatchObject([{ ok: true, frame: { sw3: 0x90 } }]);
  });

  it('rejects a bad checksum with a typed error and carries on with the next frame', () => {
    const d = new FrameDecoder('response');
    const bad = encodeResponse(SW3.success, Uint8Array.of(1), { corruptChecksum: true });
    const out = d.push(new Uint8Array([...bad, ...encodeResponse(SW3.noCard)]));
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({ ok: false, error: { name: 'FrameError', code: 'bad_checksum' } });
    expect(out[1]).toMatchObject({ ok: true, frame: { sw3: 0x80 } });
  });

  it('rejects a length above the maximum (or too short for the header) and resyncs', () => {
    const d = new FrameDecoder('response');
    const huge = fromHex('AA AA AA 96 69 FF FF 00 00 90');
    const tiny = fromHex('AA AA AA 96 69 00 02 00 00');
    const out = d.push(new Uint8Array([...huge, ...tiny, ...encodeResponse(SW3.success)]));
    const errors = out.filter((f) => !f.ok).map((f) => !f.ok && f.error.code);
    expect(errors).toContain('bad_length');
    expect(out.filter((f) => f.ok)).toMatchObject([{ frame: { sw3: 0x90 } }]);
    expect(MAX_FRAME_LENGTH).toBeGreaterThanOrEqual(1288);
  });

  it('reset() drops a half-received frame', () => {
    const d = new FrameDecoder('response');
    const frame = encodeResponse(SW3.success, new Uint8Array(100));
    d.push(frame.subarray(0, 50));
    d.reset();
    expect(d.push(encodeResponse(SW3.noCard))).toMatchObject([{ ok: true, frame: { sw3: 0x80 } }]);
  });
});
