// `npm run demo:chain` in its short form: PostgreSQL, HQ and three demo stores start, a box sold at 一号店 is refused
// at 二号店 with TRACE_CODE_SOLD_IN_CHAIN, and then everything stops and the temp dirs are gone. Needs dist/
// (npm test builds it).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('npm run demo:chain (short form)', () => {
  it('starts the chain, refuses the cross-store duplicate at 二号店, then stops everything and removes its temp dirs', async () => {
    const child = spawn(process.execPath, [join('dist', 'agent', 'cli', 'demo-chain.js')], {
      env: { ...process.env, DEMO_CHAIN_PORT: '0', DEMO_CHAIN_HQ_PORT: '0', DEMO_CHAIN_EXIT_AFTER_DUPLICATE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, out).toBe(0);
    // The URLs and credentials a newcomer needs.
    expect(out).toMatch(/HQ: +http:\/\/127\.0\.0\.1:\d+/);
    for (const name of ['一号店', '二号店', '三号店'])
      expect(out).toMatch(new RegExp(`${name} H\\d+: counter http://127\\.0\\.0\\.1:\\d+/counter +manager http://127\\.0\\.0\\.1:\\d+/manager`));
    expect(out).toMatch(/sign in: manager \/ \S+ +cashier cashier PIN \d+/);
    // The duplicate, refused at the second store naming the first.
    expect(out).toMatch(/二号店 scanned \d{20}: refused TRACE_CODE_SOLD_IN_CHAIN — 该盒已于 \d\d月\d\d日 \d\d:\d\d 在 一号店 售出/);
    // Everything stopped: PostgreSQL's dir (its data and socket) and the stores' data are removed.
    const removed = /removed (\S+) and (\S+)/.exec(out);
    expect(removed, out).not.toBeNull();
    expect(existsSync(removed?.[1] as string)).toBe(false);
    expect(existsSync(removed?.[2] as string)).toBe(false);
  }, 180_000);
});
