// scripts/import-graph.mjs (npm run arch): passes on this checkout, fails on a copy with one bad import.
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = join(ROOT, 'scripts', 'import-graph.mjs');
const FOLDERS = ['agent', 'common', 'config', 'device', 'sync'];

const run = (root: string) => spawnSync(process.execPath, [SCRIPT, '--root', root], { encoding: 'utf8' });

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

/** A copy of the program's folders (sources only) to break on purpose. */
function copy(): string {
  const tmp = tempDir('counter-agent-arch-');
  cleanup = tmp.cleanup;
  for (const f of FOLDERS)
    cpSync(join(ROOT, f), join(tmp.dir, f), { recursive: true, filter: (src) => !src.includes('node_modules') && !/\.(db|sqlite)$/.test(src) });
  return tmp.dir;
}

describe('npm run arch', () => {
  it('finds no cycle and no forbidden arrow in this checkout, and prints the arrows', () => {
    const r = run(ROOT);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^agent\(root\) +→ .*\bsync \d+/m);
    expect(r.stdout).toMatch(/^sync +→ agent \d+/m);
    expect(r.stdout).not.toMatch(/^agent +→ .*\bsync \d+/m);
    expect(r.stdout).toContain('no cycle, no forbidden arrow');
  });

  it('fails on one import of sync/ from the domain, naming the file and the cycle it makes', () => {
    const root = copy();
    appendFileSync(
      join(root, 'agent', 'checkout', 'settle.ts'),
      "\nimport { PlatformError } from '../../sync/errors.js';\nexport const _bad = PlatformError;\n",
    );
    const r = run(root);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('forbidden arrow agent → sync');
    expect(r.stderr).toContain('agent/checkout/settle.ts → ../../sync/errors.js');
    expect(r.stderr).toMatch(/cycle: .*agent → sync → agent|cycle: .*sync → agent → sync/);
  });

  it('fails when common/ imports the application (a type import counts too)', () => {
    const root = copy();
    writeFileSync(join(root, 'common', 'bad.ts'), "import type { Ledger } from '../agent/ledger/index.js';\nexport type L = Ledger;\n");
    const r = run(root);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('forbidden arrow common → agent');
    expect(r.stderr).toContain('common/bad.ts → ../agent/ledger/index.js');
  });

  it('does not count tests: a test may import the simulator', () => {
    const root = copy();
    writeFileSync(join(root, 'agent', 'checkout', 'extra.test.ts'), "import '../../sync/simulator/seed.js';\n");
    expect(run(root).status).toBe(0);
  });
});
