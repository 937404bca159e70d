// The native addons carried beside the executable, under the names agent/native.ts answers the loaders with.
// node-hid and serialport are Node-API addons: their packages ship linux prebuilds that work with any Node.
// better-sqlite3 is built per Node ABI and its prebuilds come from GitHub (unreachable here), so it is
// compiled from its package against the embedded Node's headers, once per version and architecture (cached);
// for another architecture with Debian's cross compiler (cross.mjs).
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { run, step } from './util.mjs';

/** The folder of an installed package, found by Node's own resolution from `from` (a file). */
function packageDir(name, from) {
  let dir = dirname(createRequire(from).resolve(name));
  while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the folder of ${name}`);
    dir = up;
  }
  return dir;
}

function versionOf(dir) {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
}

/** npm's own node-gyp (the one that built better-sqlite3 at `npm ci`). */
function nodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  const prefix = run('npm', ['prefix', '-g'], { quiet: true }).trim();
  const path = join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (!existsSync(path)) throw new Error(`node-gyp not found at ${path}; it comes with npm`);
  return path;
}

/** better_sqlite3.node for the embedded Node (ABI), built from the installed package in a scratch copy. */
function betterSqlite3(root, runtime, tc, cacheDir) {
  const arch = tc.arch;
  const pkg = packageDir('better-sqlite3', join(root, 'package.json'));
  const cached = join(cacheDir, `better-sqlite3-${versionOf(pkg)}-node${runtime.version}-linux-${arch}`, 'better_sqlite3.node');
  if (existsSync(cached)) return cached;
  step(`compiling better-sqlite3 ${versionOf(pkg)} for Node ${runtime.version} linux-${arch}${tc.cross ? ' (cross)' : ''} (once; about a minute)`);
  mkdirSync(cacheDir, { recursive: true });
  const scratch = mkdtempSync(join(cacheDir, 'better-sqlite3-build-'));
  run('cp', ['-r', join(pkg, 'binding.gyp'), join(pkg, 'deps'), join(pkg, 'src'), join(pkg, 'package.json'), scratch], { quiet: true });
  // node-gyp lets npm_config_* variables override its command line: under `npm test`/`npm run`, a user's
  // `nodedir=/usr` in ~/.npmrc arrives as npm_config_nodedir and would build against the checkout's Node 20
  // headers. The build gets an environment without them.
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_/i.test(k))), ...tc.compilerEnv() };
  run(process.execPath, [nodeGyp(), 'rebuild', '--release', `--nodedir=${runtime.dir}`, `--arch=${arch}`, '-j', '2'], { cwd: scratch, env, quiet: true });
  // Loaded by the embedded Node before it is cached: a wrong ABI must never reach the cache.
  run(...tc.runner(runtime.bin, ['-e', `process.dlopen({ exports: {} }, ${JSON.stringify(join(scratch, 'build', 'Release', 'better_sqlite3.node'))})`]), {
    quiet: true,
  });
  mkdirSync(dirname(cached), { recursive: true });
  // Copied then renamed: a build running alongside never sees half a file.
  copyFileSync(join(scratch, 'build', 'Release', 'better_sqlite3.node'), `${cached}.${process.pid}`);
  renameSync(`${cached}.${process.pid}`, cached);
  rmSync(scratch, { recursive: true, force: true });
  return cached;
}

/** Fills `outDir` with the addons; returns their names. */
export function buildNativeDir({ root, runtime, tc, cacheDir, outDir }) {
  const arch = tc.arch;
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const hid = packageDir('node-hid', join(root, 'package.json'));
  const bindingsCpp = packageDir('@serialport/bindings-cpp', join(packageDir('serialport', join(root, 'package.json')), 'package.json'));
  const serialName = arch === 'arm64' ? '@serialport+bindings-cpp.armv8.glibc.node' : '@serialport+bindings-cpp.glibc.node';
  // Names must match NATIVE_FILES in agent/native.ts.
  const files = {
    'better_sqlite3.node': betterSqlite3(root, runtime, tc, cacheDir),
    'serialport-bindings-cpp.node': join(bindingsCpp, 'prebuilds', `linux-${arch}`, serialName),
    'HID_hidraw.node': join(hid, 'prebuilds', `HID_hidraw-linux-${arch}`, 'node-napi-v4.node'),
    'HID.node': join(hid, 'prebuilds', `HID-linux-${arch}`, 'node-napi-v4.node'),
  };
  for (const [name, from] of Object.entries(files)) {
    if (!existsSync(from)) throw new Error(`native addon source missing: ${from}`);
    copyFileSync(from, join(outDir, name));
  }
  // Load each one with the embedded Node now (under qemu-user for another architecture), so an ABI, architecture
  // or library mismatch fails the build, not the box.
  const check = `for (const f of ${JSON.stringify(Object.keys(files))}) process.dlopen({ exports: {} }, require('node:path').join(${JSON.stringify(outDir)}, f));`;
  run(...tc.runner(runtime.bin, ['-e', check]), { quiet: true });
  return Object.keys(files);
}
