// The composition root's lifecycle with real parts: a web port already taken fails start-up naming the
// part, and stops everything started before it (SQLite files closed, the simulator's port free again).

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLog, tempDir, testConfig } from '../test/helpers.js';
import { startAgent } from './app.js';
import { ledgerPath } from './paths.js';

const BIN = fileURLToPath(new URL('../bin/counter-agent.js', import.meta.url));

let tmp: { dir: string; cleanup: () => void };
let blocker: Server;
let takenPort: number;

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

async function freePort(): Promise<number> {
  const s = createServer();
  const port = await listen(s, 0);
  await close(s);
  return port;
}

/** Active handles by kind (timers, sockets, servers …), to compare before and after. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

beforeEach(async () => {
  tmp = tempDir();
  blocker = createServer();
  takenPort = await listen(blocker, 0);
});
afterEach(async () => {
  await close(blocker);
  tmp.cleanup();
});

describe('startAgent lifecycle', () => {
  it('a web port already taken: fails naming the part and leaves nothing running', async () => {
    const base = testConfig(tmp.dir);
    const simulatorPort = await freePort();
    const config = { ...base, http: { ...base.http, port: takenPort }, platform: { ...base.platform, simulatorPort } };
    const before = resources();

    const err = await startAgent({ config, demo: false, log: silentLog() }).then(
      () => new Error('started on a taken port'),
      (e: unknown) => e as Error,
    );
    expect(err.message).toMatch(new RegExp(`^start failed in part "web server": cannot listen on http.host 127.0.0.1 http.port ${takenPort}: .*EADDRINUSE`));

    // The platform part stopped: its simulator no longer holds its port.
    const again = createServer();
    expect(await listen(again, simulatorPort)).toBe(simulatorPort);
    await close(again);
    // The ledger, video index and simulator databases were closed: the last close of a WAL database removes its -wal file.
    expect(existsSync(ledgerPath(config))).toBe(true);
    expect(readdirSync(tmp.dir).filter((f) => f.endsWith('-wal'))).toEqual([]);
    // Another process can take the ledger's write lock at once.
    const other = spawnSync(
      process.execPath,
      [
        '-e',
        `const D = require('better-sqlite3'); const db = new D(process.argv[1], { timeout: 0 }); db.exec('BEGIN IMMEDIATE; COMMIT'); db.close();`,
        ledgerPath(config),
      ],
      { encoding: 'utf8' },
    );
    expect(other.stderr).toBe('');
    expect(other.status).toBe(0);
    // No timer, socket or server left behind: no kind of handle more than before.
    const extra = () => Object.entries(resources()).filter(([kind, n]) => n > (before[kind] ?? 0));
    const end = Date.now() + 2000;
    while (extra().length > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(extra()).toEqual([]);
  });

  it('counter-agent run prints the failed part and exits 2', () => {
    if (!existsSync(fileURLToPath(new URL('../dist/agent/cli/main.js', import.meta.url)))) {
      throw new Error('dist/ is missing: run `npm run build` (npm test does it) before the CLI tests');
    }
    const file = join(tmp.dir, 'counter-agent.yaml');
    writeFileSync(
      file,
      `store: { code: P13010200001, name: 测试药店, admdvs: "130102" }\nplatform: { simulator: true }\nhttp: { host: 127.0.0.1, port: ${takenPort} }\ndataDir: ./data\n`,
    );
    const r = spawnSync(process.execPath, [BIN, 'run', '--config', file], {
      encoding: 'utf8',
      env: { ...process.env, COUNTER_AGENT_CONFIG: '', NOTIFY_SOCKET: '' },
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`counter-agent run: start failed in part "web server": cannot listen on http.host 127.0.0.1 http.port ${takenPort}`);
  });
});
