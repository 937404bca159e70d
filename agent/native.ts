// Native addons of the single executable (DESIGN 8): the .node files lie in a real folder beside the
// executable, not inside it. better-sqlite3, serialport and node-hid find their addons through small loader
// packages (bindings, node-gyp-build, pkg-prebuilds) that search their own package folders, which inside the
// executable are virtual and hold no addon built for its Node. installNativeLoader() answers those three loaders
// with the files of one folder instead. Only the executable's entry installs it: `npm start` and the tests load
// the addons from node_modules as usual.
import { existsSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';

/** The environment variable that names the folder (the systemd unit sets /usr/lib/counter-agent/native). */
export const NATIVE_DIR_ENV = 'COUNTER_AGENT_NATIVE_DIR';

/** The file names in that folder. */
export const NATIVE_FILES = {
  betterSqlite3: 'better_sqlite3.node',
  serialport: 'serialport-bindings-cpp.node',
  hidHidraw: 'HID_hidraw.node', // node-hid's default on Linux
  hidLibusb: 'HID.node', // node-hid's libusb variant (driver type "libusb")
} as const;

/** The folder: COUNTER_AGENT_NATIVE_DIR, else `native/` beside the executable. */
export function nativeDir(env: NodeJS.ProcessEnv = process.env, execPath: string = process.execPath): string {
  return env[NATIVE_DIR_ENV] || join(dirname(execPath), 'native');
}

/** The loader packages answered, and the file each call asks for. */
const LOADERS: Record<string, (...args: unknown[]) => string> = {
  // better-sqlite3: bindings('better_sqlite3.node') (or { bindings: name })
  bindings: (opts) => {
    const name = typeof opts === 'string' ? opts : String((opts as { bindings?: unknown } | undefined)?.bindings ?? 'bindings');
    return name.endsWith('.node') ? name : `${name}.node`;
  },
  // @serialport/bindings-cpp: nodeGypBuild('<its package folder>') → named after the package
  'node-gyp-build': (packageDir) => `${packageName(String(packageDir)).replace(/^@/, '').replace('/', '-')}.node`,
  // node-hid: require('pkg-prebuilds/bindings')(__dirname, { name: 'HID_hidraw' | 'HID' })
  'pkg-prebuilds/bindings': (_base, options) => `${String((options as { name?: unknown } | undefined)?.name)}.node`,
};

/** The package a folder inside node_modules belongs to ('…/node_modules/@serialport/bindings-cpp/' → '@serialport/bindings-cpp'). */
function packageName(dir: string): string {
  const parts = dir.split(sep).filter(Boolean);
  const at = parts.lastIndexOf('node_modules');
  const first = parts[at + 1] ?? parts[parts.length - 1] ?? '';
  return first.startsWith('@') ? `${first}/${parts[at + 2] ?? ''}` : first;
}

/** Which file of `dir` a loader call asks for, or undefined for a loader this module does not answer. */
export function addonFile(dir: string, loader: string, args: unknown[]): string | undefined {
  const pick = LOADERS[loader];
  return pick ? join(dir, pick(...args)) : undefined;
}

function loadAddon(file: string): unknown {
  if (!existsSync(file)) {
    throw new Error(
      `native addon missing: ${file} (folder from ${NATIVE_DIR_ENV}, default native/ beside the executable); reinstall the counter-agent package`,
    );
  }
  const m = { exports: {} as unknown };
  process.dlopen(m, file);
  return m.exports;
}

let installedDir: string | undefined;

/**
 * better-sqlite3's addon file once installNativeLoader() answers the loaders (the single executable), for a
 * worker thread that opens its own connection: a worker has its own module cache, which the loader does not
 * reach, so it passes the file to better-sqlite3 directly (its nativeBinding option). Undefined otherwise.
 */
export function betterSqlite3Binding(): string | undefined {
  return installedDir === undefined ? undefined : join(installedDir, NATIVE_FILES.betterSqlite3);
}

/** Where each addon package asks for its loader: the loader's file is resolved from the package's own file. */
const REQUIRERS: { loader: string; from: string[] }[] = [
  { loader: 'bindings', from: ['better-sqlite3'] },
  { loader: 'node-gyp-build', from: ['serialport', '@serialport/bindings-cpp'] },
  { loader: 'pkg-prebuilds/bindings', from: ['node-hid'] },
];

/** The file `request` resolves to from the package reached by resolving `chain` step by step from `base`. */
function resolveThrough(base: string, chain: string[], request: string): string {
  let from = base;
  for (const pkg of chain) from = createRequire(from).resolve(pkg);
  return createRequire(from).resolve(request);
}

/**
 * Answers bindings / node-gyp-build / pkg-prebuilds with the addons in `dir`; returns the function that undoes it.
 * Each loader's module is put into the CommonJS cache (require.cache, which Node documents as writable) under
 * the file name it resolves to, already loaded, with our function as its exports. The cache is consulted both
 * by require() and by the ESM loader when it loads a CommonJS package, with or without pkg's module hooks.
 */
export function installNativeLoader(dir: string, base: string = import.meta.url): () => void {
  installedDir = dir;
  const cache = createRequire(base).cache;
  const installed: { file: string; previous: NodeJS.Module | undefined }[] = [];
  for (const { loader, from } of REQUIRERS) {
    let file: string;
    try {
      file = resolveThrough(base, from, loader);
    } catch {
      continue; // that package is not installed (or not carried): nothing asks for its loader
    }
    const m = new Module(file);
    m.filename = file;
    m.loaded = true;
    m.exports = (...args: unknown[]) => loadAddon(addonFile(dir, loader, args) as string);
    installed.push({ file, previous: cache[file] });
    cache[file] = m;
  }
  return () => {
    installedDir = undefined;
    for (const { file, previous } of installed) {
      if (previous) cache[file] = previous;
      else delete cache[file];
    }
  };
}
