#!/usr/bin/env node
// `npm start` builds only when a source changed since the last build: a no-op `tsc` still takes several
// seconds on a small box, while comparing a few hundred mtimes takes milliseconds (issue 14: start in ≤ 5 s).
// `npm run build` uses it too (so `npm ci`'s prepare leaves a stamp); `--force` builds regardless.
// The build itself is incremental (tsc's .tsbuildinfo), so a one-file change recompiles little.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = join(root, 'dist', '.build-stamp');
const config = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8'));
const roots = config.include;

function newestSource() {
  let newest = 0;
  const consider = (file) => {
    newest = Math.max(newest, statSync(file).mtimeMs);
  };
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json']) consider(join(root, f));
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      // A directory's mtime changes when a file in it is added, removed or renamed.
      if (entry.isDirectory()) {
        consider(p);
        walk(p);
      } else if ((entry.name.endsWith('.ts') || entry.name.endsWith('.cts')) && !entry.name.endsWith('.test.ts')) consider(p);
    }
  };
  for (const r of roots) walk(join(root, r));
  return newest;
}

const force = process.argv.includes('--force');
const built = existsSync(stamp) && !force ? Number(readFileSync(stamp, 'utf8')) : 0;
const newest = newestSource();
if (built > 0 && newest <= built) process.exit(0);
const started = Date.now();
const tsc = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', 'dist/.tsbuildinfo'],
  { cwd: root, stdio: 'inherit' },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 2);
mkdirSync(join(root, 'dist'), { recursive: true });
// The newest source mtime seen before building: a file saved during the build is built next time.
writeFileSync(stamp, String(newest));
console.error(`counter-agent: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
