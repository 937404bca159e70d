// `hq serve --workers 2` as a technician runs it: the real command in its own process tree (a primary, two workers on
// one port) against a real PostgreSQL, boxes pushing at once, one worker killed mid-service.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../agent/cli/main.js';
import { appendFiller, appendSale, enrolStore, eventsOf, newCode, tempLedger, testHqPerFile } from './hq.test-helpers.js';

const BIN = fileURLToPath(new URL('../bin/counter-agent.js', import.meta.url));
const t = testHqPerFile();

/** The pids whose parent is `pid` (/proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(d));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

interface Served {
  child: ChildProcess;
  url: string;
  /** stdout so far: the listening line and the JSON log lines of the primary and the workers. */
  out: () => string;
  exit: Promise<number | null>;
}

const running: ChildProcess[] = [];
afterAll(() => {
  for (const c of running) c.kill('SIGKILL');
});

async function serveWorkers(workers: number): Promise<Served> {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'hq',
      'serve',
      '--workers',
      String(workers),
      '--port',
      '0',
      '--database',
      t.pg.url,
      '--admin-token-sha256',
      createHash('sha256').update(t.adminToken).digest('hex'),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HQ_LOG_LEVEL: 'info' } },
  );
  running.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /listening on (\S+) \((\d+) workers\)/.exec(out);
      if (m) {
        clearInterval(timer);
        resolve(m[1] as string);
      }
    }, 50);
    void exit.then((code) => (clearInterval(timer), reject(new Error(`hq serve exited ${code}: ${out}`))));
  });
  return { child, url, out: () => out, exit };
}

/** The pids of the processes that logged "counter-agent hq started". */
const startedPids = (out: string): number[] =>
  out
    .split('\n')
    .filter((l) => l.includes('"counter-agent hq started"'))
    .map((l) => (JSON.parse(l) as { pid: number }).pid);

async function push(url: string, credential: string, events: ReturnType<typeof eventsOf>) {
  const res = await fetch(`${url}/hq/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
    body: JSON.stringify({ events }),
  });
  return { status: res.status, body: (await res.json()) as { accepted?: number; duplicates?: number; error?: string } };
}

/** A GET on a connection of its own (fetch would reuse a kept-alive one, maybe the killed worker's): the status. */
function freshGet(url: string, credential: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { agent: false, headers: { authorization: `Bearer ${credential}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('hq serve --workers', () => {
  it('serves one port from two worker processes: one box pushed through both at once is taken once, two stores selling one box are both told', async () => {
    const hq = await serveWorkers(2);
    const primary = hq.child.pid as number;
    await until('two workers', () => childrenOf(primary).length === 2 && startedPids(hq.out()).length === 2);
    const workers = childrenOf(primary);
    expect(new Set(startedPids(hq.out()))).toEqual(new Set(workers));

    const a = tempLedger();
    const b = tempLedger();
    try {
      const [credA, credB] = [await enrolStore(t, 'W13010300001'), await enrolStore(t, 'W13010300002')];
      appendFiller(a.ledger, 40);
      const code = newCode();
      appendSale(a.ledger, [code]);
      appendSale(b.ledger, [code]);
      const events = eventsOf(a.ledger);
      // The same box's batch six times at once, on separate connections (the primary hands them round the workers):
      // the store row's lock in PostgreSQL serialises them whichever worker holds each.
      const same = await Promise.all(Array.from({ length: 6 }, () => push(hq.url, credA, events)));
      expect(same.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(same.reduce((n, r) => n + (r.body.accepted ?? 0), 0)).toBe(events.length);
      expect((await push(hq.url, credB, eventsOf(b.ledger))).status).toBe(200);
      const { rows } = await t.hq.pool.query<{ n: number; d: number }>(
        'SELECT count(*)::int AS n, count(DISTINCT seq)::int AS d FROM events WHERE store_id = $1',
        ['W13010300001'],
      );
      expect(rows[0]).toEqual({ n: events.length, d: events.length });
      const conflicts = await t.hq.pool.query<{ store_id: string; other_store_id: string }>(
        'SELECT store_id, other_store_id FROM code_conflicts WHERE code = $1 ORDER BY store_id',
        [code],
      );
      expect(conflicts.rows).toEqual([
        { store_id: 'W13010300001', other_store_id: 'W13010300002' },
        { store_id: 'W13010300002', other_store_id: 'W13010300001' },
      ]);

      // A worker killed: the connections it held are lost (a box retries its batch after its timeout). Once the
      // primary has seen the death (node:cluster hands it no more connections), a new connection is served by the
      // live worker, and another worker takes the dead one's place.
      process.kill(workers[0] as number, 'SIGKILL');
      await until('the primary to see the death', () => hq.out().includes('HQ worker died; starting another'));
      expect(await freshGet(`${hq.url}/hq/v1/head`, credA)).toBe(200);
      await until('a replacement worker', () => startedPids(hq.out()).length === 3 && childrenOf(primary).length === 2);
      appendFiller(a.ledger, 2);
      const more = await push(hq.url, credA, eventsOf(a.ledger, events.length + 1));
      expect(more.body.accepted).toBe(2);

      // SIGTERM: the workers close, then the primary; nothing is left running.
      const live = childrenOf(primary);
      hq.child.kill('SIGTERM');
      expect(await hq.exit).toBe(0);
      for (const pid of live) expect(() => process.kill(pid, 0)).toThrow();
    } finally {
      a.cleanup();
      b.cleanup();
    }
  }, 60_000);

  it('a port already taken: the workers cannot listen, and serve exits 2 naming the port', async () => {
    const taken = createNetServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as AddressInfo).port;
    try {
      const child = spawn(process.execPath, [BIN, 'hq', 'serve', '--workers', '2', '--port', String(port), '--database', t.pg.url], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, HQ_LOG_LEVEL: 'warn' },
      });
      running.push(child);
      let out = '';
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      expect(code).toBe(2);
      // Said once, by the primary, with the port.
      expect(out.trim().split('\n')).toEqual([`counter-agent hq serve: HQ cannot listen on 127.0.0.1:${port}: bind EADDRINUSE 127.0.0.1:${port}`]);
    } finally {
      taken.close();
    }
  }, 30_000);

  it('refuses a number of workers it cannot run, naming the option', async () => {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    expect(await runCli(['hq', 'serve', '--workers', '0', '--database', t.pg.url], io)).toBe(2);
    expect(await runCli(['hq', 'serve', '--workers', 'many', '--database', t.pg.url], io)).toBe(2);
    expect(lines).toEqual([
      'counter-agent hq serve: --workers (or HQ_WORKERS) expects a number of processes 1..64, got "0"',
      'counter-agent hq serve: --workers (or HQ_WORKERS) expects a number of processes 1..64, got "many"',
    ]);
  });
});
