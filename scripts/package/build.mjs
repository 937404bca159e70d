#!/usr/bin/env node
// `npm run package`: the single executable (linux-x64; linux-arm64 when run there) with its native addons
// beside it, and the .deb.
//
//   out/linux-x64/counter-agent            the executable (Node 22 + dist/ + node_modules + pages, pkg SEA)
//   out/linux-x64/native/*.node            better-sqlite3, serialport, node-hid (hidraw and libusb)
//   out/counter-agent_<version>_amd64.deb
//   out/cache/                             the Node from npm, better-sqlite3 built for it (kept between builds)
//   out/work/                              this build's pkg config and .deb staging
//
// Prints one JSON line on stdout: the artefacts with their sizes in bytes and the seconds taken.
// Options: --out DIR (default out/), --cache DIR (default <out>/cache), --skip-build (use dist/ as it is,
// e.g. when `npm test` has just built it).
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildBinary } from './binary.mjs';
import { buildDeb } from './deb.mjs';
import { buildNativeDir } from './native.mjs';
import { nodeRuntime } from './node-runtime.mjs';
import { run, sizeOf, step } from './util.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export async function buildPackage({ out = join(ROOT, 'out'), cache, skipBuild = false } = {}) {
  const started = Date.now();
  // For the machine's own architecture: better-sqlite3 is compiled for the embedded Node, and cross-compiling
  // it (and testing the result) needs a cross toolchain and emulation. On a linux-arm64 machine the same
  // command builds the arm64 executable and .deb (Node for arm64 is on npm too; untested so far).
  const arch = process.arch;
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(arch)) throw new Error(`packaging runs on linux-x64 or linux-arm64 (this is ${process.platform}-${arch})`);
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  const cacheDir = cache ?? join(out, 'cache');
  const target = join(out, `linux-${arch}`);

  if (!skipBuild) {
    step('tsc -p tsconfig.build.json');
    run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT });
  }
  step(`Node.js for linux-${arch} from npm`);
  const runtime = nodeRuntime(arch, cacheDir);
  const nativeDir = join(target, 'native');
  const native = buildNativeDir({ root: ROOT, runtime, arch, cacheDir, outDir: nativeDir });
  const binary = join(target, 'counter-agent');
  // This build's own files (pkg config, .deb staging) stay out of the cache, which other builds may share.
  const workDir = join(out, 'work');
  const { pages, wholePackages } = await buildBinary({ root: ROOT, runtime, arch, cacheDir, workDir, output: binary });
  const { deb, files } = buildDeb({ root: ROOT, arch, binary, nativeDir, version, work: workDir, outDir: out });

  const nativeBytes = readdirSync(nativeDir).reduce((sum, name) => sum + sizeOf(join(nativeDir, name)), 0);
  return {
    version,
    node: runtime.version,
    binary: { path: binary, bytes: sizeOf(binary) },
    native: { path: nativeDir, files: native, bytes: nativeBytes },
    deb: { path: deb, bytes: sizeOf(deb), files },
    pages,
    wholePackages,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, cache: { type: 'string' }, 'skip-build': { type: 'boolean' } } });
  try {
    const result = await buildPackage({
      out: values.out ? resolve(values.out) : undefined,
      cache: values.cache ? resolve(values.cache) : undefined,
      skipBuild: values['skip-build'] === true,
    });
    console.log(JSON.stringify(result));
  } catch (err) {
    console.error(`npm run package: ${err.message}`);
    process.exitCode = 1;
  }
}
