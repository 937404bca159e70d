// Every CLI command run from the packaged executable (test/package.test.ts): what differs between the single
// executable and `node` (child processes, dynamic imports, native addons, paths inside the executable) shows here.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NATIVE_DIR_ENV } from '../../agent/native.js';
import { type Built, ROOT, sh } from './package.js';

/** Where the installed package puts the files provision reads (see scripts/package/deb.mjs). */
const INSTALLED = [
  ['systemd/counter-agent.service', 'lib/systemd/system/counter-agent.service'],
  ['systemd/99-counter-agent.rules', 'lib/udev/rules.d/99-counter-agent.rules'],
  ['systemd/counter-agent.sysusers', 'usr/lib/sysusers.d/counter-agent.conf'],
  ['systemd/counter-agent.tmpfiles', 'usr/lib/tmpfiles.d/counter-agent.conf'],
] as const;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A technician's bearer token in the fixture's config: health's details need a technician or manager. */
export const CLI_TECH_TOKEN = 'package-cli-technician-token';

/** A box's files under `dir`: a config with the embedded simulator on ephemeral ports, a catalogue CSV, a root for provision. */
export function cliFixture(dir: string) {
  const config = join(dir, 'box.yaml');
  writeFileSync(
    config,
    `store: { code: H13010200001, name: 测试大药房, admdvs: "130102", pharmacists: [{ name: 李药师, certNo: ZY13010200003 }] }
platform: { simulator: true, simulatorPort: 0 }
http:
  host: 127.0.0.1
  port: 0
  apiTokens: [{ name: tech, role: technician, sha256: ${createHash('sha256').update(CLI_TECH_TOKEN).digest('hex')} }]
dataDir: ${JSON.stringify(join(dir, 'data'))}
video: { dir: ${JSON.stringify(join(dir, 'data', 'video'))}, retentionDays: 365 }
`,
  );
  const csv = join(dir, 'products.csv');
  writeFileSync(
    csv,
    '商品编码,药品名称,规格,生产企业,批准文号,医保编码,药品标识码,处方药,医保,类别,包装数量,零售价\nA1,阿莫西林胶囊,0.25g*24粒,某药业,国药准字H1,XJ01,8100003,是,是,西药,24,15.60\n',
  );
  const root = join(dir, 'provision-root');
  for (const [from, to] of INSTALLED) {
    mkdirSync(join(root, to, '..'), { recursive: true });
    cpSync(join(ROOT, from), join(root, to));
  }
  const password = join(dir, 'manager.pw');
  writeFileSync(password, 'ca-Manager-pass-2024\n', { mode: 0o600 });
  return { config, csv, root, password };
}

export function cliEnv(built: Built): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, [NATIVE_DIR_ENV]: built.native.path, COUNTER_AGENT_CONFIG: '' };
  // Not under systemd here: no notify socket, no journal stream.
  delete env.NOTIFY_SOCKET;
  delete env.JOURNAL_STREAM;
  return env;
}

export function runCli(built: Built, args: string[]): CliRun {
  const r = sh(built.binary.path, args, { env: cliEnv(built), timeout: 120_000 });
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Starts a long-running command (run, simulate-platform), waits for the line `ready` finds on stdout, hands
 * it to `use`, then stops the process with SIGTERM and returns its exit code.
 */
export async function runUntil<T>(
  built: Built,
  args: string[],
  ready: (line: string) => string | undefined,
  use: (found: string) => Promise<T>,
): Promise<{ result: T; exit: number | string; stderr: string }> {
  const child = spawn(built.binary.path, args, { env: cliEnv(built), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | string>((r) => child.on('exit', (code, signal) => r(code ?? (signal as string))));
  try {
    const found = await new Promise<string>((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error(`no ready line from ${args.join(' ')} within 90 s: ${stderr}${buf}`)), 90_000);
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        for (const line of buf.split('\n')) {
          const hit = ready(line);
          if (hit) {
            clearTimeout(timer);
            resolve(hit);
          }
        }
      });
      void exited.then((code) => reject(new Error(`${args.join(' ')} exited (${code}) before it was ready: ${stderr}${buf}`)));
    });
    const result = await use(found);
    child.kill('SIGTERM');
    const exit = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running 20 s after SIGTERM'), 20_000))]);
    return { result, exit, stderr };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

export const exists = existsSync;
