// The chain HQ: ingest rate from simulated stores and the chain-wide code check at a large index. HQ runs in its
// own process (as on its own server) against a throwaway PostgreSQL with production durability (fsync,
// synchronous_commit on); the simulated stores are this process. All on one machine.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { canonicalJson, computeEventHash, GENESIS_HASH, type StoredEvent } from '../agent/ledger/events.js';
import { createPool } from '../hq/app.js';
import { lookupCode } from '../hq/code-index.js';
import { issueEnrolCode } from '../hq/enrolment.js';
import { startLocalPostgres } from '../hq/pg-local.js';
import { cpuCalibrationMs, emit, note, nowNs, quantile, type Rng } from './util.js';

const BIN = fileURLToPath(new URL('../../bin/counter-agent.js', import.meta.url));

export interface HqBenchOptions {
  /** `hq serve --workers`: one process per core of the machine (hq/workers.ts). */
  workers: number;
  stores: number;
  eventsPerStore: number;
  batch: number;
  codes: number;
  lookups: number;
}

function storeId(i: number): string {
  return `B${String(i).padStart(11, '0')}`;
}

/** A sale event shaped and sized like the ledger's sale.settled (agent/ledger/sales.ts), 1–3 boxes. */
function saleChain(store: number, n: number, rng: Rng, start: Date): StoredEvent[] {
  const out: StoredEvent[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const items = Array.from({ length: 1 + rng.int(3) }, (_, k) => ({
      itemId: k + 1,
      bchno: `ab12cd34-S${seq}-${k + 1}`,
      lotBchno: 'ab12cd34-R1-1',
      productId: `P${rng.int(500)}`,
      product: { nhsaCode: 'XA01BAA0001010100001', name: '阿莫西林胶囊', rx: true, piecesPerPack: 24 },
      lot: '240301',
      mfgDate: '2024-03-01',
      expiry: '2027-02-28',
      code: `8${String(store).padStart(4, '0')}${String(seq * 4 + k).padStart(15, '0')}`,
      pieces: 24,
      split: false,
      price: 2350,
      claimed: false,
    }));
    const e = {
      seq,
      at: new Date(start.getTime() + seq * 1000).toISOString(),
      type: 'sale.settled',
      actor: 'cashier',
      reason: null,
      payload: canonicalJson({ saleId: seq, counter: 'counter-1', payment: 'self_pay', items }),
      prev_hash: prev,
    };
    const hash = computeEventHash(e);
    out.push({ ...e, hash });
    prev = hash;
  }
  return out;
}

/** One POST with a ready body over the agent's sockets; the answer's status and text. */
function postBody(agent: Agent, url: string, credential: string, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: `Bearer ${credential}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** CPU seconds (user + system) used so far by these processes and, for the postmaster, its backends. */
function cpuSeconds(pids: number[]): number {
  const ticks = 100; // USER_HZ on Linux
  const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  const wanted = new Set(pids);
  for (const d of all) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (wanted.has(Number(fields[1]))) wanted.add(Number(d)); // a child (PostgreSQL backend) of a wanted process
    } catch {
      /* exited meanwhile */
    }
  }
  let total = 0;
  for (const pid of wanted) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / ticks;
    } catch {
      /* exited */
    }
  }
  return total;
}

function postmasterPid(dir: string): number {
  return Number(readFileSync(`${dir}/data/postmaster.pid`, 'utf8').split('\n')[0]);
}

export async function startHqProcess(databaseUrl: string, adminSha: string, workers = 1): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const args = [BIN, 'hq', 'serve', '--database', databaseUrl, '--port', '0', '--admin-token-sha256', adminSha, '--workers', String(workers)];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, HQ_LOG_LEVEL: 'warn' },
  });
  // A bench cut short (Ctrl-C, a closed pipe) must not leave HQ running.
  process.once('exit', () => child.kill('SIGTERM'));
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /listening on (\S+)/.exec(buf);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`hq exited with ${code}`)));
  });
  return { url, pid: child.pid as number, stop: () => new Promise((resolve) => (child.once('exit', () => resolve()), child.kill('SIGTERM'))) };
}

/** The trace_codes rows a chain would hold, filled in bulk: 20-digit codes spread over 1,000 stores, a third sold. */
export async function fillCodeIndex(pool: pg.Pool, codes: number): Promise<{ rows: number; bytes: number }> {
  const fillT = Date.now();
  const chunk = 1_000_000;
  for (let from = 0; from < codes; from += chunk) {
    const to = Math.min(codes, from + chunk) - 1;
    await pool.query(
      `INSERT INTO trace_codes (code, store_id, pieces_out, received_seq, received_at, sold_seq, sold_at)
       SELECT '89' || lpad(((i * 2654435761) % 1000000000000000000)::text, 18, '0'), 'F' || lpad((i % 1000)::text, 11, '0'),
              CASE WHEN i % 3 = 0 THEN 1 ELSE 0 END, i, now() - interval '30 days', CASE WHEN i % 3 = 0 THEN i + 1 END, CASE WHEN i % 3 = 0 THEN now() END
       FROM generate_series($1::bigint, $2::bigint) AS i`,
      [from, to],
    );
    note(`hq: code index ${(to + 1).toLocaleString('en-US')} / ${codes.toLocaleString('en-US')} (${((Date.now() - fillT) / 1000).toFixed(0)} s)`);
  }
  await pool.query('VACUUM ANALYZE trace_codes');
  const { rows } = await pool.query<{ rows: number; bytes: string }>(
    "SELECT count(*)::int AS rows, pg_total_relation_size('trace_codes')::text AS bytes FROM trace_codes",
  );
  return { rows: rows[0]?.rows ?? 0, bytes: Number(rows[0]?.bytes ?? 0) };
}

export async function benchHq(opts: HqBenchOptions, rng: Rng): Promise<void> {
  // BENCH_HQ_PG_STATS=1: pg_stat_statements, and the ingest's costliest statements printed after it.
  const stats = process.env.BENCH_HQ_PG_STATS === '1';
  const pg = await startLocalPostgres({
    settings: {
      shared_buffers: "'512MB'",
      max_wal_size: "'4GB'",
      checkpoint_timeout: "'15min'",
      ...(stats ? { shared_preload_libraries: "'pg_stat_statements'" } : {}),
    },
  });
  const pool = createPool(pg.url, 4);
  if (stats) await pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  const adminToken = randomBytes(16).toString('hex');
  let hq: { url: string; pid: number; stop: () => Promise<void> } | undefined;
  try {
    hq = await startHqProcess(pg.url, createHash('sha256').update(adminToken).digest('hex'), opts.workers);
    const base = hq.url;
    const credentials: string[] = [];
    for (let s = 0; s < opts.stores; s++) {
      const { code } = await issueEnrolCode(pool, storeId(s), `门店 ${s}`);
      const res = await fetch(`${base}/hq/v1/enrol`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ store: storeId(s), code }),
      });
      credentials.push(((await res.json()) as { credential: string }).credential);
    }
    const t0 = Date.now();
    const bodies: Buffer[][] = [];
    for (let s = 0; s < opts.stores; s++) {
      const chain = saleChain(s, opts.eventsPerStore, rng, new Date());
      const batches: Buffer[] = [];
      for (let i = 0; i < chain.length; i += opts.batch) batches.push(Buffer.from(JSON.stringify({ events: chain.slice(i, i + opts.batch) })));
      bodies.push(batches);
    }
    note(`hq: ${opts.stores} stores × ${opts.eventsPerStore} sale events generated in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    // The stores' side costs what sending costs: bodies encoded before the clock, node:http on kept-alive sockets
    // (fetch's stream plumbing cost 15 µs of this process's CPU per event, stolen from HQ on two cores).
    const agent = new Agent({ keepAlive: true, maxSockets: opts.stores });
    const calibrationBefore = cpuCalibrationMs();
    const pgPid = postmasterPid(pg.dir);
    const hqCpu0 = cpuSeconds([hq.pid]);
    const pgCpu0 = cpuSeconds([pgPid]);
    const storesCpu0 = process.cpuUsage();
    const wal0 = (await pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]?.lsn ?? '0/0';
    const start = nowNs();
    let events = 0;
    await Promise.all(
      bodies.map(async (batches, s) => {
        for (const body of batches) {
          const res = await postBody(agent, `${base}/hq/v1/events`, credentials[s] as string, body);
          const r = JSON.parse(res.body) as { accepted?: number; message?: string };
          if (res.status !== 200) throw new Error(`store ${s}: ${res.status} ${r.message}`);
          events += r.accepted ?? 0;
        }
      }),
    );
    const seconds = (nowNs() - start) / 1e9;
    agent.destroy();
    const calibrationAfter = cpuCalibrationMs();
    const rate = events / seconds;
    const storesCpu = process.cpuUsage(storesCpu0);
    const walBytes = Number(
      (await pool.query<{ bytes: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1)::text AS bytes', [wal0])).rows[0]?.bytes ?? 0,
    );
    if (stats) {
      const top = await pool.query<{ query: string; calls: string; ms: number }>(
        'SELECT left(regexp_replace(query, $$\\s+$$, $$ $$, $$g$$), 90) AS query, calls, total_exec_time AS ms FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 15',
      );
      for (const r of top.rows) note(`hq: pg ${((r.ms / events) * 1000).toFixed(1)} µs/event, ${r.calls} calls: ${r.query}`);
    }
    // The machine is shared: CPU per event says what two dedicated cores would do (2 s of CPU per wall second).
    // HQ's primary and its workers (children of the primary, counted with it).
    const hqCpu = cpuSeconds([hq.pid]) - hqCpu0;
    const pgCpu = cpuSeconds([pgPid]) - pgCpu0;
    const cpuUsPerEvent = ((hqCpu + pgCpu) / events) * 1e6;
    emit('hq_ingest', rate, 'events/s', {
      hq_workers: opts.workers,
      stores: opts.stores,
      events,
      batch: opts.batch,
      wall_s: seconds,
      durable: 'fsync+synchronous_commit on',
      hq_cpu_us_per_event: (hqCpu / events) * 1e6,
      pg_cpu_us_per_event: (pgCpu / events) * 1e6,
      // The 50 simulated stores (this process: HTTP clients sending bodies generated before the clock started).
      stores_cpu_us_per_event: (storesCpu.user + storesCpu.system) / events,
      wal_bytes_per_event: walBytes / events,
      two_dedicated_cores_events_per_s: 2e6 / cpuUsPerEvent,
      loadavg_1m: loadavg()[0],
      // The machine's speed just before and after (bench/util.ts cpuCalibrationMs): a slower machine, a larger figure.
      cpu_calibration_ms: { before: calibrationBefore, after: calibrationAfter },
      target: '>= 20000 events/s',
      meets_target: rate >= 20_000,
    });

    // The code check at a large index: the trace_codes rows a chain would hold, filled in bulk.
    const { rows: have } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM trace_codes');
    const existing = have[0]?.n ?? 0;
    const fillT = Date.now();
    const size = await fillCodeIndex(pool, opts.codes);
    const indexRows = size.rows;
    note(
      `hq: code index ${indexRows.toLocaleString('en-US')} rows, ${(size.bytes / 1e9).toFixed(2)} GB, filled in ${((Date.now() - fillT) / 1000).toFixed(0)} s`,
    );
    const sample = () => {
      const i = rng.int(opts.codes);
      return `89${String((BigInt(i) * 2654435761n) % 1000000000000000000n).padStart(18, '0')}`;
    };
    const server: number[] = [];
    for (let k = 0; k < opts.lookups; k++) {
      const code = sample();
      const t = nowNs();
      const r = await lookupCode(pool, code);
      server.push((nowNs() - t) / 1e6);
      if (r.stores.length === 0) throw new Error(`code ${code} not found in the index`);
    }
    const http: number[] = [];
    for (let k = 0; k < opts.lookups; k++) {
      const t = nowNs();
      const res = await fetch(`${base}/hq/v1/codes/${sample()}`, { headers: { authorization: `Bearer ${adminToken}` } });
      await res.json();
      http.push((nowNs() - t) / 1e6);
    }
    // Inside PostgreSQL (plpgsql, clock_timestamp around each probe): the lookup's own cost, without the client's
    // scheduling on a shared machine.
    const probe = await pool.connect();
    let db: number[];
    try {
      await probe.query('CREATE TEMP TABLE probe_ms (ms float8)');
      await probe.query(`DO $$ DECLARE c text; t0 timestamptz; BEGIN
        FOR i IN 1..${opts.lookups} LOOP
          c := '89' || lpad(((floor(random() * ${opts.codes})::bigint * 2654435761) % 1000000000000000000)::text, 18, '0');
          t0 := clock_timestamp();
          PERFORM t.store_id, s.name, t.pieces_out, t.received_at, t.sold_at, t.returned_at FROM trace_codes t LEFT JOIN stores s ON s.store_id = t.store_id WHERE t.code = c;
          INSERT INTO probe_ms VALUES (extract(epoch FROM clock_timestamp() - t0) * 1000);
        END LOOP; END $$`);
      db = (await probe.query<{ ms: number }>('SELECT ms FROM probe_ms')).rows.map((r) => r.ms);
    } finally {
      probe.release();
    }
    const extra = { index_rows: indexRows, index_bytes: size.bytes, ingested_rows: existing, lookups: opts.lookups };
    emit('hq_code_check_p99', quantile(server, 0.99), 'ms', {
      ...extra,
      p50: quantile(server, 0.5),
      measured: 'lookup query from a client over the unix socket (HQ server-side work)',
      target: '<= 5 ms at 50M codes',
      meets_target: quantile(server, 0.99) <= 5,
    });
    emit('hq_code_check_db_p99', quantile(db, 0.99), 'ms', {
      ...extra,
      p50: quantile(db, 0.5),
      measured: 'the lookup inside PostgreSQL (plpgsql timing of each probe)',
    });
    emit('hq_code_check_http_p99', quantile(http, 0.99), 'ms', {
      ...extra,
      p50: quantile(http, 0.5),
      measured: 'GET /hq/v1/codes/:code over loopback HTTP, HQ in its own process',
    });
  } finally {
    await hq?.stop();
    await pool.end();
    await pg.stop();
  }
}
