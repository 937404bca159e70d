import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { migrate } from './db/migrations.js';
import { ensurePartitions } from './db/partitions.js';
import { recheckPending } from './ingest.js';
import { catchUpProjections } from './projections.js';
import { buildHqServer } from './server.js';

export interface HqOptions {
  /** PostgreSQL connection string (`postgresql://user@host/db`, or `?host=/socket/dir`). */
  databaseUrl: string;
  host: string;
  port: number;
  adminTokenSha256: readonly string[];
  https?: { key: Buffer; cert: Buffer };
  /** The reverse proxy's addresses or CIDR ranges (hq/server.ts says why); none: the peer address is the client. */
  trustProxy?: readonly string[];
  /** Pool size; ingest holds one connection per batch in flight. */
  poolSize?: number;
  log?: { info: (obj: object, msg: string) => void; warn: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void };
}

export interface RunningHq {
  url: string;
  pool: pg.Pool;
  server: FastifyInstance;
  close(): Promise<void>;
}

// pg returns int8 as text (it may exceed 2^53); seqs and counts here stay far below that.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export function createPool(databaseUrl: string, max = 20, onError?: (err: Error) => void): pg.Pool {
  // jit=off: HQ runs short statements over one batch, whose row estimates (unnest, json_to_recordset) still cross
  // jit_above_cost, so PostgreSQL compiled them with LLVM on every execution — 15 % of its CPU at ingest (perf,
  // libLLVM). The manual: JIT "is beneficial primarily for long-running CPU-bound queries. Frequently these will be
  // analytical queries. For short queries the added overhead of performing JIT compilation will often be higher
  // than the time it can save" (https://www.postgresql.org/docs/current/jit-decision.html).
  const pool = new pg.Pool({ connectionString: databaseUrl, max, idleTimeoutMillis: 30_000, options: '-c jit=off' });
  // A restarting server kills idle connections: the pool drops them; without this listener the process would exit.
  pool.on('error', (err) => onError?.(err));
  // A checked-out connection the server terminates (restart) emits 'error' between queries: handled here, and the
  // query in flight fails so its transaction is released broken (never reused) and the box retries.
  pool.on('connect', (client) => client.on('error', (err) => onError?.(err)));
  return pool;
}

/**
 * The work done once at HQ's start, before any request is served: migrations, projections caught up, cross-store
 * checks a crash left pending, event partitions (now and every 6 hours). Returns what stops the maintenance timer.
 * With several worker processes (hq/workers.ts) only the primary does it, and forks the workers after.
 */
export async function prepareHq(pool: pg.Pool, log?: HqOptions['log']): Promise<{ version: number; stop(): void }> {
  const version = await migrate(pool);
  // Projections behind their store's head (events ingested before the projections existed) catch up first.
  const caught = await catchUpProjections(pool);
  if (caught.events > 0) log?.info(caught, 'HQ page projections caught up');
  // Cross-store checks a crash left pending between an ingest's commit and its check (hq/ingest.ts recheckStore).
  const rechecked = await recheckPending(pool);
  if (rechecked > 0) log?.info({ stores: rechecked }, 'pending cross-store code checks done');
  const maintain = async () => {
    const r = await ensurePartitions(pool, new Date());
    if (r.created.length) log?.info({ created: r.created }, 'event partitions created');
    for (const s of r.skipped) log?.warn(s, 'event partition not created');
  };
  await maintain();
  const timer = setInterval(
    () => void maintain().catch((err: unknown) => log?.error({ err: (err as Error).message }, 'partition maintenance failed')),
    6 * 3600_000,
  );
  timer.unref();
  return { version, stop: () => clearInterval(timer) };
}

/**
 * The HQ composition root: pool, the start work (prepareHq; skipped by a worker whose primary did it), HTTP server.
 */
export async function startHq(opts: HqOptions & { prepared?: boolean }): Promise<RunningHq> {
  const log = opts.log;
  const pool = createPool(opts.databaseUrl, opts.poolSize ?? 20, (err) => log?.warn({ err: err.message }, 'idle PostgreSQL connection lost'));
  let prepared: { version: number; stop(): void } | undefined;
  try {
    if (!opts.prepared) prepared = await prepareHq(pool, log);
  } catch (err) {
    await pool.end();
    throw err;
  }
  const server = await buildHqServer({
    pool,
    adminTokenSha256: opts.adminTokenSha256,
    ...(opts.https ? { https: opts.https } : {}),
    ...(opts.trustProxy ? { trustProxy: opts.trustProxy } : {}),
    ...(log ? { log } : {}),
  });
  let url: string;
  try {
    url = await server.listen({ host: opts.host, port: opts.port });
  } catch (err) {
    prepared?.stop();
    await pool.end();
    throw new Error(`HQ cannot listen on ${opts.host}:${opts.port}: ${(err as Error).message}`);
  }
  log?.info({ url, ...(prepared ? { schema: prepared.version } : {}), pid: process.pid }, 'counter-agent hq started');
  return {
    url,
    pool,
    server,
    async close() {
      prepared?.stop();
      await server.close();
      await pool.end();
    },
  };
}
