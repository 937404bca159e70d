// The Node.js that the single executable embeds, taken from the npm registry (the node-linux-<arch> packages
// carry the official nodejs.org builds, headers included): this machine reaches npm and Debian only, so pkg's
// own download from nodejs.org / GitHub cannot work. The version and the tarball's sha512 are pinned here
// like a lockfile entry; `npm pack` fetches it (through npm's cache) and this file checks it again.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './util.mjs';

/**
 * Node 24, the current LTS (maintained until April 2028; Node 22 leaves maintenance in April 2027, the checkout's
 * Node 20 reached end of life in April 2026). pkg's SEA mode needs ≥ 22. Integrity: `npm view node-linux-<arch>@<version> dist.integrity`.
 */
export const NODE_VERSION = '24.22.3';

const INTEGRITY = {
  x64: 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
  arm64: 'sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==',
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
