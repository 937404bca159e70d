// The real driver against the simulated SAM module over a real socat pty pair.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeviceStatus, IdCardEvent } from '../types.js';
import { createIdReader, type IdReaderAdapter } from './index.js';
import { IdCardReader } from './reader.js';
import { type PtyPair, SAMPLE_CARDS, SimulatedIdReaderDevice, startPtyPair } from './simulator.js';

const NOW = new Date('2026-11-22T10:00:00+08:00');
const FAST = { pollMs: 40, timeoutMs: 400, removalMisses: 2, unresponsiveAfter: 3, backoff: { initialMs: 50, maxMs: 200 }, now: () => NOW };

async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let dir: string;
let pair: PtyPair | null;
let sim: SimulatedIdReaderDevice;
let reader: IdCardReader;
let cards: IdCardEvent[];
let warnings: string[];
let statuses: DeviceStatus[];

/** Let the simulator answer `n` more requests. */
const polls = (n: number): Promise<void> => {
  const target = sim.requests + n;
  return until(`${n} more requests`, () => sim.requests >= target);
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'idreader-test-'));
  pair = await startPtyPair(dir);
  sim = new SimulatedIdReaderDevice();
  await sim.start(pair.samPath);
  reader = new IdCardReader({ id: 'idr-1', counter: 'counter-1', path: pair.readerPath, ...FAST });
  cards = [];
  warnings = [];
  statuses = [];
  reader.on('idcard', (e) => cards.push(e));
  reader.on('warning', (w) => warnings.push(w.message));
  reader.on('status', (s) => statuses.push(s));
  await reader.start();
  await until('connected', () => reader.status().state === 'connected');
});

afterEach(async () => {
  await reader.stop();
  await sim.stop();
  await pair?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('IdCardReader over a socat pty', () => {
  it('emits one idcard per presentation, with the fields and the photo bytes', async () => {
    await polls(3);
    expect(cards).toEqual([]);
    sim.place(SAMPLE_CARDS.zhangJianguo);
    await until('first card', () => cards.length === 1);
    const e = cards[0]!;
    expect(e.deviceId).toBe('idr-1');
    expect(e.at).toBe(NOW);
    expect(e.problems).toEqual([]);
    expect(e.card).toMatchObject({
      name: '张建国',
      sex: '1',
      nation: '01',
      birthDate: '1962-05-12',
      idNumber: '130102196205120319',
      address: '河北省石家庄市长安区建设北大街12号3栋2单元501',
      issuer: '石家庄市公安局长安分局',
      validFrom: '2012-08-20',
      validTo: '长期',
    });
    expect(Buffer.from(e.card.photo).equals(Buffer.from(SAMPLE_CARDS.zhangJianguo.photo))).toBe(true);

    await polls(15); // five more find/select/read rounds with the card still there
    expect(cards).toHaveLength(1);

    sim.remove();
    await polls(4);
    sim.place(SAMPLE_CARDS.zhangJianguo);
    await until('second card', () => cards.length === 2);
    expect(cards[1]!.card.idNumber).toBe('130102196205120319');
    expect(warnings).toEqual([]);
  });

  it('a different card swapped in is a new presentation', async () => {
    sim.place(SAMPLE_CARDS.zhangJianguo);
    await until('first card', () => cards.length === 1);
    sim.place(SAMPLE_CARDS.wangHaoran);
    await until('second card', () => cards.length === 2);
    expect(cards[1]!.card.name).toBe('王浩然');
  });

  it('emits an expired card with its problems attached', async () => {
    sim.place(SAMPLE_CARDS.zhaoLiExpired);
    await until('card', () => cards.length === 1);
    expect(cards[0]!.problems).toEqual([
      { code: 'expired', message: 'card expired on 2014-03-15', cashierMessage: '身份证已过期（有效期至2014-03-15），请使用有效证件' },
    ]);
  });

  it('a silent module gives a timeout warning (once), then status error, and recovers', async () => {
    sim.injectFault('silence', Infinity);
    await until('error status', () => reader.status().state === 'error');
    expect(reader.status().error).toContain(pair!.readerPath);
    expect(warnings.filter((w) => /no answer to 20\/01 within 400 ms/.test(w))).toHaveLength(1);
    sim.clearFaults();
    await until('connected again', () => reader.status().state === 'connected');
    sim.place(SAMPLE_CARDS.wangHaoran);
    await until('card after silence', () => cards.length === 1);
  });

  it('a bad checksum is a warning and the reader carries on', async () => {
    sim.injectFault('bad_checksum');
    await until('checksum warning', () => warnings.some((w) => /checksum/.test(w)));
    sim.place(SAMPLE_CARDS.zhangJianguo);
    await until('card', () => cards.length === 1);
    expect(reader.status().state).toBe('connected');
  });

  it('garbage before an answer and answers split over several writes still read the card', async () => {
    sim.place(SAMPLE_CARDS.zhangJianguo);
    sim.injectFault('garbage', 3);
    sim.injectFault('split', 3);
    await until('card', () => cards.length === 1);
    expect(cards[0]!.card.photo.length).toBe(1024);
    expect(warnings.some((w) => /discarded \d+ byte/.test(w))).toBe(true);
  });

  it('socat killed: status missing naming the path; socat restarted: reconnects and reads again', async () => {
    sim.place(SAMPLE_CARDS.zhangJianguo);
    await until('card before the kill', () => cards.length === 1);
    await pair!.kill();
    pair = null;
    await until('missing', () => reader.status().state === 'missing');
    expect(reader.status().error).toContain(join(dir, 'reader'));
    const seen = statuses.length;
    await new Promise((r) => setTimeout(r, 500)); // backoff caps at 200 ms: a few attempts, no storm
    expect(statuses.length - seen).toBeLessThan(3);

    pair = await startPtyPair(dir);
    await sim.start(pair.samPath);
    await until('reconnected', () => reader.status().state === 'connected');
    // The card may have been swapped while the port was gone: the first read after reconnecting counts.
    await until('card after reconnect', () => cards.length === 2);
  });
});

describe('createIdReader', () => {
  let adapter: IdReaderAdapter | null = null;
  afterEach(async () => {
    await adapter?.stop();
    adapter = null;
  });

  it("'simulated' runs the real driver against a simulator on its own pty pair", async () => {
    adapter = createIdReader({ id: 'sim-1', counter: 'counter-2', type: 'simulated', baudRate: 115200 }, FAST);
    const got: IdCardEvent[] = [];
    adapter.on('idcard', (e) => got.push(e));
    await adapter.start();
    await until('connected', () => adapter!.status().state === 'connected');
    expect(adapter.status()).toMatchObject({ id: 'sim-1', kind: 'id_reader', type: 'simulated', counter: 'counter-2' });
    adapter.simulator!.place(SAMPLE_CARDS.zhangJianguo);
    await until('card', () => got.length === 1);
    const path = adapter.status().path!;
    await adapter.stop();
    expect(adapter.status().state).toBe('stopped');
    const { existsSync } = await import('node:fs');
    expect(existsSync(path)).toBe(false);
  });

  it("'serial' with no such port: start() does not throw, status missing names the path", async () => {
    adapter = createIdReader({ id: 'idr-x', counter: 'counter-1', type: 'serial', path: '/dev/ttyNOPE-idreader', baudRate: 115200 }, FAST);
    await adapter.start();
    await until('missing', () => adapter!.status().state === 'missing');
    expect(adapter.status().error).toBe('ID reader port /dev/ttyNOPE-idreader not found');
    expect(adapter.simulator).toBeUndefined();
  });
});
