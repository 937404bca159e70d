// The cache lock of scripts/package (util.mjs withDirLock): the amd64 and arm64 package tests build side by
// side with one out/cache, and must never fetch, compile or seed its files at the same time.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

type WithDirLock = <T>(dir: string, fn: () => Promise<T>) => Promise<T>;
// A path in a variable: the packaging scripts are plain ES modules without type declarations.
const UTIL = '../scripts/package/util.mjs';
const { withDirLock } = (await import(UTIL)) as { withDirLock: WithDirLock };

let tmp: { dir: string; cleanup: () => void };
beforeEach(() => {
  tmp = tempDir('package-lock-');
});
afterEach(() => tmp.cleanup());

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('withDirLock', () => {
  it('runs builds sharing a cache one after the other, and frees the lock after each (also after a failure)', async () => {
    const log: string[] = [];
    const build = (name: string, fail = false) =>
      withDirLock(tmp.dir, async () => {
        log.push(`${name} start`);
        await pause(300);
        log.push(`${name} end`);
        if (fail) throw new Error(`${name} failed`);
        return name;
      });
    const results = await Promise.allSettled([build('amd64', true), build('arm64')]);
    expect(log).toEqual(['amd64 start', 'amd64 end', 'arm64 start', 'arm64 end']);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    expect(existsSync(join(tmp.dir, '.lock'))).toBe(false);
  });

  it('takes over a lock whose build is gone (killed mid-build)', async () => {
    mkdirSync(join(tmp.dir, '.lock'));
    // A pid no process has: above the kernel's pid_max (4194304 at most).
    writeFileSync(join(tmp.dir, '.lock', 'pid'), '99999999');
    expect(await withDirLock(tmp.dir, async () => 'built')).toBe('built');
  });
});
