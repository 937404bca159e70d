// The box as a real `counter-agent run` process (bin/counter-agent.js on dist/), for the harness and the benches
// that must measure it from outside: a SIGKILL is a real crash, and the client's work never shares its event loop.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// From dist/bench/ (npm run bench/harness) or from bench/ (Vitest runs the source): the checkout's bin either way.
const BIN = [new URL('../../bin/counter-agent.js', import.meta.url), new URL('../bin/counter-agent.js', import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((p) => existsSync(p)) as string;

export const BOX_TOKENS = { manager: 'harness-manager-token-0001', cashier: 'harness-cashier-token-0001' } as const;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** A box config on `dir` talking to the platform at `platformUrl`; returns the file's path. */
export function writeBoxConfig(dir: string, platformUrl: string, opts: { timeoutMs?: number; port?: number; devicesYaml?: string } = {}): string {
  const path = join(dir, 'config.yaml');
  writeFileSync(
    path,
    `store: { code: P13010200001, name: 压力测试药店, admdvs: "130102", pharmacists: [{ name: 王药师, certNo: "ZY13010200002" }] }
platform: { url: ${JSON.stringify(platformUrl)}, timeoutMs: ${opts.timeoutMs ?? 3000} }
http:
  host: 127.0.0.1
  port: ${opts.port ?? 0}
  apiTokens:
    - { name: harness-manager, role: manager, sha256: ${sha(BOX_TOKENS.manager)} }
    - { name: harness-cashier, role: cashier, sha256: ${sha(BOX_TOKENS.cashier)} }
dataDir: ${JSON.stringify(join(dir, 'data'))}
video: { dir: ${JSON.stringify(join(dir, 'video'))} }
log: { level: info }
${opts.devicesYaml ?? ''}`,
  );
  return path;
}

export interface BoxProcess {
  url: string;
  child: ChildProcess;
  /** Everything it wrote on stderr (crash reports). */
  stderr(): string;
  /** SIGKILL: no shutdown code runs, as in a power cut of the process. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

/** Starts `counter-agent run --config FILE` and resolves once it logs its URL. */
export async function startBox(configPath: string, timeoutMs = 30_000): Promise<BoxProcess> {
  const child = spawn(process.execPath, [BIN, 'run', '--config', configPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, COUNTER_AGENT_CONFIG: '' },
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`box did not start within ${timeoutMs} ms: ${err.slice(-2000)}`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.includes('counter-agent started')) continue;
        try {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { url: string }).url);
        } catch {
          /* not JSON: keep reading */
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`box exited with ${code} before starting: ${err.slice(-2000)}`));
    });
  });
  child.stdout!.resume();
  return {
    url,
    child,
    stderr: () => err,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** JSON over HTTP with a bearer token; never throws on an HTTP status (the caller counts them). */
export async function boxCall<T = Record<string, unknown>>(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  token: string = BOX_TOKENS.manager,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = {};
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed as T };
}
