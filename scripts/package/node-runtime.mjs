// The Node.js that the single executable embeds, taken from the npm registry (the node-linux-<arch> packages
// carry the official nodejs.org builds, headers included): this machine reaches npm and Debian only, so pkg's
// own download from nodejs.org / GitHub cannot work. The version and the tarball's sha512 are pinned here
// like a lockfile entry; `npm pack` fetches it (through npm's cache) and this file checks it again.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './util.mjs';

/** Node 22 LTS: pkg's SEA mode needs ≥ 22; the checkout itself runs on Node 20. */
export const NODE_VERSION = '22.23.3';

const INTEGRITY = {
  x64: 'sha512-qHnz5tFsHoj/WM+uRENVjWONi5hVvmwrgq8A4V76KpuVNAc4+jwK8x4gwbobE9BtHNg/AKR2583eYorLF/c7ng==',
  arm64: 'sha512-l3DAHZreylo+p9QXDtsOrjG2JXJqVzYXnAGmIQNOUNARcMppTO2cmewVQP+36tjJnSE+dzpMNtgW+c3oiDvXtA==',
};

/**
 * Unpacks node-linux-<arch>@NODE_VERSION into `<cacheDir>/node-v<version>-linux-<arch>/` (bin/node, include/node)
 * once, and returns that folder with the path of its node binary.
 */
export function nodeRuntime(arch, cacheDir) {
  const expected = INTEGRITY[arch];
  if (!expected) throw new Error(`no pinned Node.js for linux-${arch} (known: ${Object.keys(INTEGRITY).join(', ')})`);
  const dir = join(cacheDir, `node-v${NODE_VERSION}-linux-${arch}`);
  const bin = join(dir, 'bin', 'node');
  if (existsSync(join(dir, '.complete'))) return { dir, bin, version: NODE_VERSION };

  const spec = `node-linux-${arch}@${NODE_VERSION}`;
  const tarball = join(cacheDir, `node-linux-${arch}-${NODE_VERSION}.tgz`);
  mkdirSync(cacheDir, { recursive: true });
  if (!existsSync(tarball)) {
    try {
      run('npm', ['pack', spec, '--pack-destination', cacheDir, '--silent'], { quiet: true });
    } catch (err) {
      throw new Error(`cannot fetch ${spec} from the npm registry (${err.message}); the packaging needs it once, then it is cached in ${cacheDir}`);
    }
  }
  const actual = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  if (actual !== expected) {
    rmSync(tarball, { force: true });
    throw new Error(`${spec}: the tarball's sha512 is ${actual}, expected ${expected}; removed it, try again`);
  }
  const tmp = `${dir}.tmp${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', tmp, '--strip-components=1'], { quiet: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  writeFileSync(join(dir, '.complete'), `${spec}\n`);
  return { dir, bin, version: NODE_VERSION };
}
