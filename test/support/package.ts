// Shared by the package tests: building with scripts/package/build.mjs and running the executable's demo mode.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NATIVE_DIR_ENV } from '../../agent/native.js';
import { vendorFiles } from '../../agent/web/routes/pages.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Built {
  version: string;
  /** The Node.js version inside the executable. */
  node: string;
  arch: string;
  binary: { path: string; bytes: number };
  native: { path: string; files: string[]; bytes: number };
  deb: { path: string; bytes: number };
  seconds: number;
}

export function sh(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeout?: number } = {}) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: opts.timeout ?? 120_000,
    env: opts.env ?? process.env,
    cwd: opts.cwd,
  });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function requireTool(cmd: string, debianPackage: string) {
  if (sh('sh', ['-c', `command -v ${cmd}`]).code !== 0)
    throw new Error(`${cmd} is missing: install the Debian package ${debianPackage} (sh scripts/debian-deps.sh)`);
}

/** `npm run package` into `out` (the repo's out/cache keeps the Node from npm and better-sqlite3 built for it between runs). */
export function buildPackage(out: string, arch?: string): Built {
  if (!existsSync(join(ROOT, 'dist', 'agent', 'cli', 'main.js')))
    throw new Error('dist/ is missing: run `npm run build` (npm test does it) before the package tests');
  const args = [
    join(ROOT, 'scripts', 'package', 'build.mjs'),
    '--out',
    out,
    '--cache',
    join(ROOT, 'out', 'cache'),
    '--skip-build',
    ...(arch ? ['--arch', arch] : []),
  ];
  const r = sh(process.execPath, args, { timeout: 600_000 });
  if (r.code !== 0) throw new Error(`npm run package${arch ? ` --arch ${arch}` : ''} failed (${r.code}):\n${r.stderr}`);
  const built = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as Built;
  console.log(
    `package for linux-${built.arch} built in ${built.seconds} s: executable ${built.binary.bytes} B, native ${built.native.bytes} B, .deb ${built.deb.bytes} B`,
  );
  return built;
}

export interface DemoAnswers {
  health?: { status: number; body: string };
  counter?: { status: number; type: string; body: string };
  manager?: { status: number; type: string; body: string };
  vendor: Record<string, number>;
  exit: number | string;
  stderr: string;
}

/**
 * Copies the executable with its native/ folder under `dir` (app/), where no checkout is near, so pages and code
 * can only come from inside it; runs its demo mode there (demo/, the working folder) with demoRun.
 */
export function demoRunAway(built: Built, dir: string, through?: string): DemoAnswers & { cwd: string } {
  const app = join(dir, 'app');
  mkdirSync(app);
  copyFileSync(built.binary.path, join(app, 'counter-agent'));
  cpSync(built.native.path, join(app, 'native'), { recursive: true });
  const cwd = join(dir, 'demo');
  mkdirSync(cwd);
  return { ...demoRun(join(app, 'counter-agent'), cwd, through), cwd };
}

/**
 * Runs the executable's demo mode in a network namespace of its own (`unshare -rn`), where its fixed ports
 * (8080, the simulator's) are free whatever else runs here, asks it over HTTP from inside that namespace and
 * stops it. `through` runs it through another program (qemu-user for another architecture).
 */
export function demoRun(binary: string, cwd: string, through?: string): DemoAnswers {
  const [cmd, args] = through ? [through, [binary, 'run']] : [binary, ['run']];
  const probe = `
    const { spawn, spawnSync } = await import('node:child_process');
    spawnSync('ip', ['link', 'set', 'lo', 'up'], { stdio: 'inherit' });
    const env = { ...process.env }; delete env.COUNTER_AGENT_CONFIG; delete env.${NATIVE_DIR_ENV};
    const agent = spawn(${JSON.stringify(cmd)}, ${JSON.stringify(args)}, { cwd: ${JSON.stringify(cwd)}, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = ''; agent.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise((resolve) => agent.on('exit', (code, signal) => resolve(code ?? signal)));
    const get = async (path, token) => { const r = await fetch('http://127.0.0.1:8080' + path, token ? { headers: { authorization: 'Bearer ' + token } } : {}); return { status: r.status, type: r.headers.get('content-type'), body: await r.text() }; };
    // The full health report needs a manager: the demo prints its token on stderr once started.
    const demoToken = () => (/demo manager token.*?: ([0-9a-f]{32})/.exec(stderr) || [])[1];
    let health;
    // Up to 150 s: the arm64 executable under qemu-user needs about 60 s to serve on this busy 2-core machine.
    for (let i = 0; i < 600 && !health; i++) {
      try { if (!demoToken()) throw new Error('not yet'); health = await get('/api/health', demoToken()); } catch { await new Promise((r) => setTimeout(r, 250)); }
    }
    const out = { health, counter: health && await get('/counter'), manager: health && await get('/manager'), vendor: {} };
    for (const name of ${JSON.stringify([...vendorFiles().keys()])}) out.vendor[name] = health && (await get('/vendor/' + name)).status;
    agent.kill('SIGTERM');
    out.exit = await Promise.race([exited, new Promise((r) => setTimeout(() => { agent.kill('SIGKILL'); r('killed after 20 s'); }, 20000).unref())]);
    out.stderr = stderr;
    console.log(JSON.stringify(out));
  `;
  const r = sh('unshare', ['-rn', process.execPath, '--input-type=module', '-e', probe], { timeout: 240_000 });
  if (r.code !== 0) throw new Error(`the demo probe failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as DemoAnswers;
}
