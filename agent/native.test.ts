import { copyFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../test/helpers.js';
import { addonFile, installNativeLoader, NATIVE_DIR_ENV, NATIVE_FILES, nativeDir } from './native.js';

const require = createRequire(import.meta.url);
/** The package folder of an installed package (resolved from `from`). */
function packageDir(name: string, from = import.meta.url): string {
  let dir = dirname(createRequire(from).resolve(name));
  while (!dir.endsWith(name)) dir = dirname(dir);
  return dir;
}
const BETTER_SQLITE3 = packageDir('better-sqlite3');
const BINDINGS_CPP = packageDir('@serialport/bindings-cpp', join(packageDir('serialport'), 'package.json'));

let undo: (() => void) | undefined;
let tmp: { dir: string; cleanup: () => void } | undefined;
afterEach(() => {
  undo?.();
  undo = undefined;
  tmp?.cleanup();
  tmp = undefined;
});

describe('native addon folder', () => {
  it('is COUNTER_AGENT_NATIVE_DIR, else native/ beside the executable', () => {
    expect(nativeDir({ [NATIVE_DIR_ENV]: '/usr/lib/counter-agent/native' }, '/opt/x/counter-agent')).toBe('/usr/lib/counter-agent/native');
    expect(nativeDir({}, '/opt/x/counter-agent')).toBe('/opt/x/native');
  });

  it('maps each loader call of better-sqlite3, serialport and node-hid to its file', () => {
    const d = '/n';
    expect(addonFile(d, 'bindings', ['better_sqlite3.node'])).toBe(`/n/${NATIVE_FILES.betterSqlite3}`);
    expect(addonFile(d, 'node-gyp-build', ['/snapshot/main/node_modules/@serialport/bindings-cpp/'])).toBe(`/n/${NATIVE_FILES.serialport}`);
    expect(addonFile(d, 'pkg-prebuilds/bindings', ['/x', { name: 'HID_hidraw', napi_versions: [4] }])).toBe(`/n/${NATIVE_FILES.hidHidraw}`);
    expect(addonFile(d, 'pkg-prebuilds/bindings', ['/x', { name: 'HID', napi_versions: [4] }])).toBe(`/n/${NATIVE_FILES.hidLibusb}`);
    expect(addonFile(d, 'left-pad', [])).toBeUndefined();
  });
});

describe('installNativeLoader', () => {
  it('makes the packages load their addons from the folder, and undoes it', () => {
    tmp = tempDir();
    copyFileSync(join(BETTER_SQLITE3, 'build', 'Release', 'better_sqlite3.node'), join(tmp.dir, NATIVE_FILES.betterSqlite3));
    const prebuilds = join(BINDINGS_CPP, 'prebuilds', `linux-${process.arch}`);
    const serialport = readdirSync(prebuilds).find((f) => f.includes('glibc')) as string;
    copyFileSync(join(prebuilds, serialport), join(tmp.dir, NATIVE_FILES.serialport));
    const original = createRequire(join(BETTER_SQLITE3, 'lib', 'database.js'))('bindings') as unknown;
    undo = installNativeLoader(tmp.dir);

    // What better-sqlite3's lib/database.js and bindings-cpp's serialport-bindings.js call, from their own folders.
    const bindings = createRequire(join(BETTER_SQLITE3, 'lib', 'database.js'))('bindings') as (name: string) => { Database: unknown };
    expect(bindings).not.toBe(original);
    expect(typeof bindings('better_sqlite3.node').Database).toBe('function');
    const nodeGypBuild = createRequire(join(BINDINGS_CPP, 'dist', 'serialport-bindings.js'))('node-gyp-build') as (dir: string) => { open: unknown };
    expect(typeof nodeGypBuild(join(BINDINGS_CPP, '/')).open).toBe('function');
    // node-hid's loader answers too; its addon is not in this folder, so the error names the file and what to do.
    const hid = createRequire(require.resolve('node-hid'))('pkg-prebuilds/bindings') as (base: string, o: object) => unknown;
    expect(() => hid('/x', { name: 'HID_hidraw' })).toThrow(`native addon missing: ${join(tmp.dir, 'HID_hidraw.node')} (folder from ${NATIVE_DIR_ENV}`);

    undo();
    undo = undefined;
    expect(createRequire(join(BETTER_SQLITE3, 'lib', 'database.js'))('bindings')).toBe(original);
  });
});
