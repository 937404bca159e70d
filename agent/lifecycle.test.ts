import { describe, expect, it } from 'vitest';
import { Lifecycle, type Part, PartStartError } from './lifecycle.js';

/** A log that keeps what it was told. */
function memoryLog() {
  const lines: { msg: string; fields: { part: string; err: string } }[] = [];
  return { lines, error: (fields: { part: string; err: string }, msg: string) => void lines.push({ msg, fields }) };
}

function recorder() {
  const calls: string[] = [];
  const part = (name: string, opts: { failStart?: boolean; failStop?: boolean; async?: boolean } = {}): Part => ({
    name,
    async start() {
      if (opts.async) await new Promise((r) => setTimeout(r, 5));
      calls.push(`start ${name}`);
      if (opts.failStart) throw new Error(`${name} cannot start`);
    },
    async stop() {
      calls.push(`stop ${name}`);
      if (opts.failStop) throw new Error(`${name} cannot stop`);
    },
  });
  return { calls, part };
}

describe('Lifecycle', () => {
  it('starts parts in order and stops them in reverse', async () => {
    const { calls, part } = recorder();
    const life = new Lifecycle(memoryLog());
    await life.start([part('ledger'), part('platform', { async: true }), part('web server')]);
    expect(life.running).toEqual(['ledger', 'platform', 'web server']);
    await life.stop();
    expect(calls).toEqual(['start ledger', 'start platform', 'start web server', 'stop web server', 'stop platform', 'stop ledger']);
    expect(life.running).toEqual([]);
    await life.stop(); // a second stop finds nothing left to stop
    expect(calls).toHaveLength(6);
  });

  it('a failure mid-start stops what already started, in reverse, and names the part', async () => {
    const { calls, part } = recorder();
    const log = memoryLog();
    const life = new Lifecycle(log);
    const err = await life.start([part('ledger'), part('platform'), part('web server', { failStart: true }), part('devices')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PartStartError);
    expect((err as PartStartError).message).toBe('start failed in part "web server": web server cannot start');
    expect((err as PartStartError).part).toBe('web server');
    expect(calls).toEqual(['start ledger', 'start platform', 'start web server', 'stop platform', 'stop ledger']);
    expect(life.running).toEqual([]);
    expect(log.lines.some((l) => l.fields.part === 'web server')).toBe(true);
  });

  it('a throwing stop is logged and does not keep the other parts running', async () => {
    const { calls, part } = recorder();
    const log = memoryLog();
    const life = new Lifecycle(log);
    await life.start([part('ledger'), part('cameras', { failStop: true }), part('devices')]);
    const failed = await life.stop();
    expect(calls.slice(3)).toEqual(['stop devices', 'stop cameras', 'stop ledger']);
    expect(failed).toEqual([{ part: 'cameras', error: 'cameras cannot stop' }]);
    expect(log.lines).toContainEqual({ msg: 'part failed to stop; stopping the others', fields: { part: 'cameras', err: 'cameras cannot stop' } });
  });

  it('a throwing stop during a failed start still stops the rest, and the start error is the one thrown', async () => {
    const { calls, part } = recorder();
    const life = new Lifecycle(memoryLog());
    const err = await life.start([part('ledger'), part('platform', { failStop: true }), part('web server', { failStart: true })]).catch((e: unknown) => e);
    expect((err as Error).message).toBe('start failed in part "web server": web server cannot start');
    expect(calls).toEqual(['start ledger', 'start platform', 'start web server', 'stop platform', 'stop ledger']);
  });

  it('add() starts one more part after the running ones, and a part without stop() is skipped on the way down', async () => {
    const { calls, part } = recorder();
    const life = new Lifecycle(memoryLog());
    await life.add(part('ledger'));
    await life.add({ name: 'demo data', start: () => void calls.push('seed') });
    await life.add(part('web server'));
    await life.stop();
    expect(calls).toEqual(['start ledger', 'seed', 'start web server', 'stop web server', 'stop ledger']);
  });
});
