import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson, computeEventHash, eventHeaderJson, GENESIS_HASH } from './events.js';

/** The general RFC 8785 path, as computeEventHash used it before the direct one. */
const general = (e: Parameters<typeof eventHeaderJson>[0]) =>
  canonicalJson({ seq: e.seq, at: e.at, type: e.type, actor: e.actor, reason: e.reason, prev_hash: e.prev_hash });

describe('event header JSON', () => {
  it('writes exactly what the general canonicaliser writes, for every kind of text a column can hold', () => {
    const texts = [
      '',
      'cashier',
      '收银员 张三',
      'a"b\\c',
      'tab\there\nnew line\r\u0000\u001f\u007f',
      '\u2028\u2029',
      '\ud83d\ude00',
      '\ud800 lone',
      'é\u0301',
      '</script>',
    ];
    const seqs = [1, 2, 999, 2 ** 31, Number.MAX_SAFE_INTEGER];
    let n = 0;
    for (const actor of [null, ...texts]) {
      for (const reason of [null, ...texts]) {
        for (const seq of seqs) {
          const e = { seq, at: '2026-12-07T02:00:00.000Z', type: 'sale.settled', actor, reason, prev_hash: GENESIS_HASH };
          expect(eventHeaderJson(e)).toBe(general(e));
          n++;
        }
      }
    }
    for (const t of texts) {
      const e = { seq: 7, at: t, type: t, actor: t, reason: null, prev_hash: t };
      expect(eventHeaderJson(e)).toBe(general(e));
    }
    expect(n).toBe(11 * 11 * 5);
  });

  it('hands a column of another type to the general canonicaliser (same text as before, never a different hash)', () => {
    const odd = { seq: 1.5, at: '2026-12-07T02:00:00.000Z', type: 'x', actor: undefined as unknown as null, reason: null, prev_hash: GENESIS_HASH };
    expect(eventHeaderJson(odd)).toBe(general(odd));
    expect(eventHeaderJson(odd)).toBe(`{"at":"2026-12-07T02:00:00.000Z","prev_hash":"${GENESIS_HASH}","reason":null,"seq":1.5,"type":"x"}`);
  });

  it('hashes a known event to the same value as the general path (the chain written before stays valid)', () => {
    const e = { seq: 3, at: '2026-11-22T02:00:00.000Z', type: 'receipt.recorded', actor: 'manager', reason: null, payload: '{"a":1}', prev_hash: GENESIS_HASH };
    const before = createHash('sha256').update(general(e)).update('\n').update(e.payload).digest('hex');
    expect(computeEventHash(e)).toBe(before);
  });

  it('hashes the UTF-8 bytes of header, newline and payload, as OpenSSL does (Chinese text, an emoji)', () => {
    const e = {
      seq: 12,
      at: '2026-12-07T02:00:00.000Z',
      type: 'sale.settled',
      actor: '收银员',
      reason: null,
      payload: '{"items":[{"code":"81000040000000000012","name":"阿莫西林胶囊 \ud83d\udc8a"}]}',
      prev_hash: GENESIS_HASH,
    };
    const bytes = Buffer.from(`${eventHeaderJson(e)}\n${e.payload}`, 'utf8');
    const openssl = execFileSync('openssl', ['dgst', '-sha256', '-r'], { input: bytes }).toString().split(' ')[0];
    expect(computeEventHash(e)).toBe(openssl);
  });
});
