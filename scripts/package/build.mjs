#!/usr/bin/env node
// `npm run package`: the single executable for linux-x64 or linux-arm64 (this machine's by default; the other
// one cross-built, see cross.mjs) with its native addons beside it, and the .deb.
//
//   out/linux-<arch>/counter-agent         the executable (Node 24 + dist/ + node_modules + pages, pkg SEA)
//   out/linux-<arch>/native/*.node         better-sqlite3, serialport, node-hid (hidraw and libusb)
//   out/counter-agent_<version>_<amd64|arm64>.deb
//   out/cache/                             the Node from npm, better-sqlite3 built for it (kept between builds)
//   out/work/                              this build's pkg config and .deb staging
//
// Prints one JSON line on stdout: the artefacts with their sizes in bytes and the seconds taken.
// Options: --arch x64|arm64 (default: this machine's), --out DIR (default out/), --cache DIR (default
// <out>/cache), --skip-build (use dist/ as it is, e.g. when `npm test` has just built it).
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildBinary } from './binary.mjs';
import { toolchain } from './cross.mjs';
import { buildDeb } from './deb.mjs';
import { buildNativeDir } from './native.mjs';
import { nodeRuntime } from './node-runtime.mjs';
import { run, sizeOf, step, withDirLock } from './util.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export async function buildPackage({ arch = process.arch, out = join(ROOT, 'out'), cache, skipBuild = false } = {}) {
  const started = Date.now();
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch))
    throw new Error(`packaging runs on linux-x64 or linux-arm64 (this is ${process.platform}-${process.arch})`);
  if (!['x64', 'arm64'].includes(arch)) throw new Error(`--arch ${arch}: the executable is built for x64 or arm64`);
  const tc = toolchain(arch);
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  const cacheDir = cache ?? join(out, 'cache');
  const target = join(out, `linux-${arch}`);

  if (!skipBuild) {
    step('tsc -p tsconfig.build.json');
    run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT });
  }
  // One build at a time per cache (the test suite builds amd64 and arm64 side by side).
  return withDirLock(cacheDir, async () => {
    step(`Node.js for linux-${arch} from npm`);
    const runtime = nodeRuntime(arch, cacheDir);
    // pkg itself runs on this machine's Node of the same version (it also writes the SEA blob, whose format is the version's).
    const hostRuntime = tc.cross ? nodeRuntime(process.arch, cacheDir) : runtime;
    const nativeDir = join(target, 'native');
    const native = buildNativeDir({ root: ROOT, runtime, tc, cacheDir, outDir: nativeDir });
    const binary = join(target, 'counter-agent');
    // This build's own files (pkg config, .deb staging) stay out of the cache, which other builds may share.
    const workDir = join(out, 'work');
    const { pages, wholePackages } = await buildBinary({ root: ROOT, runtime, hostRuntime, arch, cacheDir, workDir, output: binary });
    const { deb, files } = buildDeb({ root: ROOT, tc, binary, nativeDir, version, work: workDir, outDir: out });

    const nativeBytes = readdirSync(nativeDir).reduce((sum, name) => sum + sizeOf(join(nativeDir, name)), 0);
    return {
      version,
      arch,
      node: runtime.version,
      binary: { path: binary, bytes: sizeOf(binary) },
      native: { path: nativeDir, files: native, bytes: nativeBytes },
      deb: { path: deb, bytes: sizeOf(deb), files },
      pages,
      wholePackages,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { arch: { type: 'string' }, out: { type: 'string' }, cache: { type: 'string' }, 'skip-build': { type: 'boolean' } },
  });
  try {
    const result = await buildPackage({
      arch: values.arch,
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
