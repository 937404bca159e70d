import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { createLogger } from '../agent/log.js';
import { type SystemdService, systemdService } from '../agent/service/systemd.js';
import { createPool, prepareHq, startHq } from './app.js';
import { migrate } from './db/migrations.js';
import { issueEnrolCode, revokeCredentials, STORE_ID_PATTERN } from './enrolment.js';
import { clearFlag } from './ingest.js';
import { catchUpProjections } from './projections.js';
import { addUser } from './users.js';
import { forkWorkers, isHqWorker, reportFailed, reportListening, workerPoolSize } from './workers.js';

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const HELP = `counter-agent hq — the chain headquarters (PostgreSQL)

Usage: counter-agent hq <command> [options]

Commands:
  serve [--host H] [--port N] [--tls-cert FILE --tls-key FILE] [--trust-proxy ADDR[,ADDR]] [--workers N]
                                        run the HQ API (migrates first); --trust-proxy: the reverse proxy's
                                        addresses or CIDRs, whose X-Forwarded-For then names the client (the
                                        sign-in lockout counts per client); default $HQ_TRUST_PROXY, else none;
                                        --workers: processes serving on the one port, one per core of the HQ
                                        server (1..64); default $HQ_WORKERS, else 1; --host, --port,
                                        --tls-cert, --tls-key: default $HQ_HOST (else 127.0.0.1), $HQ_PORT
                                        (else 8443), $HQ_TLS_CERT, $HQ_TLS_KEY — the systemd unit sets them
                                        all from /etc/counter-agent/hq.env
  migrate                               apply the schema migrations and exit
  enrol-code --store CODE [--name NAME] print a one-time enrolment code for a store (valid 7 days)
  revoke --store CODE                   revoke the store's credentials (its box is refused at once)
  unflag --store CODE                   clear a store's broken-chain flag after investigating it
  user add --username U --name NAME --role admin|regional [--stores A,B] [--password-file FILE]
                                        add (or reset) a person of the HQ page: a chain admin sees every store, a
                                        regional manager only --stores; without --password-file a password is
                                        generated and printed once
  backfill                              bring the HQ page's projections up to every store's events (also at serve)

Options:
  --database URL   PostgreSQL connection string; default $HQ_DATABASE_URL
  --admin-token-sha256 HEX   SHA-256 of a chain admin's API token (repeatable); default $HQ_ADMIN_TOKEN_SHA256 (comma-separated)

Exit codes: 0 ok, 2 the command could not run.`;

export async function hqCli(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        database: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        store: { type: 'string' },
        name: { type: 'string' },
        'admin-token-sha256': { type: 'string', multiple: true },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'trust-proxy': { type: 'string' },
        workers: { type: 'string' },
        username: { type: 'string' },
        role: { type: 'string' },
        stores: { type: 'string' },
        'password-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.err(`counter-agent hq: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || !command) {
    io.out(HELP);
    return 0;
  }
  const databaseUrl = values.database ?? process.env.HQ_DATABASE_URL;
  if (!databaseUrl) {
    io.err('counter-agent hq: give --database postgresql://USER@HOST/DB or set HQ_DATABASE_URL');
    return 2;
  }
  const store = values.store;
  const needStore = (): string | null => {
    if (!store || !STORE_ID_PATTERN.test(store)) {
      io.err(`counter-agent hq ${command}: --store takes the store's 12-character fixmedins_code (A–Z, 0–9)${store ? `, got "${store}"` : ''}`);
      return null;
    }
    return store;
  };
  if (command === 'serve') return serve(values, databaseUrl, io);
  const pool = createPool(databaseUrl, 2);
  try {
    await migrate(pool);
    switch (command) {
      case 'migrate':
        io.out('HQ schema up to date');
        return 0;
      case 'enrol-code': {
        const s = needStore();
        if (!s) return 2;
        const { code, expiresAt } = await issueEnrolCode(pool, s, values.name ?? null);
        io.out(`enrolment code for store ${s}: ${code} (valid until ${expiresAt.toISOString()}, once)`);
        io.out(`on the box: hq.url: <this HQ's URL> and hq.enrolmentCode: ${code} in its config, then restart it`);
        return 0;
      }
      case 'revoke': {
        const s = needStore();
        if (!s) return 2;
        io.out(`store ${s}: ${await revokeCredentials(pool, s)} credential(s) revoked`);
        return 0;
      }
      case 'unflag': {
        const s = needStore();
        if (!s) return 2;
        io.out((await clearFlag(pool, s)) ? `store ${s}: flag cleared; its box resumes replication` : `store ${s} was not flagged`);
        return 0;
      }
      case 'backfill': {
        const r = await catchUpProjections(pool);
        io.out(`HQ page projections: ${r.events} event(s) of ${r.stores} store(s) folded in`);
        return 0;
      }
      case 'user': {
        if (positionals[1] !== 'add') {
          io.err('counter-agent hq user: the command is `user add` (see --help)');
          return 2;
        }
        const username = values.username;
        const role = values.role;
        if (!username || (role !== 'admin' && role !== 'regional')) {
          io.err('counter-agent hq user add: give --username U and --role admin|regional (regional also --stores A,B)');
          return 2;
        }
        const stores = (values.stores ?? '')
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean);
        let password: string;
        let generated = false;
        if (values['password-file']) password = readFileSync(values['password-file'], 'utf8').split(/\r?\n/)[0] ?? '';
        else {
          password = randomBytes(12).toString('base64url');
          generated = true;
        }
        await addUser(pool, { username, displayName: values.name ?? username, role, password, stores });
        io.out(`HQ user ${username} (${role === 'admin' ? 'chain admin: every store' : `regional manager: ${stores.join(', ')}`}) saved`);
        if (generated) io.out(`password (shown once; give it to the user): ${password}`);
        return 0;
      }
      default:
        io.err(`counter-agent hq: unknown command "${command}"\n\n${HELP}`);
        return 2;
    }
  } catch (err) {
    io.err(`counter-agent hq ${command}: ${(err as Error).message}`);
    return 2;
  } finally {
    await pool.end();
  }
}

async function serve(values: Record<string, unknown>, databaseUrl: string, io: Io): Promise<number> {
  // Each flag falls back to its HQ_* variable: the unit (systemd/counter-agent-hq.service) passes them all through
  // an environment file, so the unit itself never needs editing.
  const env = process.env;
  const portText = values.port ?? env.HQ_PORT;
  const port = portText === undefined || portText === '' ? 8443 : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.err(`counter-agent hq serve: --port (or HQ_PORT) expects 0..65535, got "${String(portText)}"`);
    return 2;
  }
  const host = typeof values.host === 'string' ? values.host : env.HQ_HOST || '127.0.0.1';
  const tlsCert = values['tls-cert'] ?? (env.HQ_TLS_CERT || undefined);
  const tlsKey = values['tls-key'] ?? (env.HQ_TLS_KEY || undefined);
  const admin = (values['admin-token-sha256'] as string[] | undefined) ?? (env.HQ_ADMIN_TOKEN_SHA256 ?? '').split(',').filter(Boolean);
  const bad = admin.find((h) => !/^[0-9a-f]{64}$/i.test(h));
  if (bad) {
    io.err('counter-agent hq serve: --admin-token-sha256 expects 64 hex characters (echo -n TOKEN | sha256sum)');
    return 2;
  }
  let https: { key: Buffer; cert: Buffer } | undefined;
  if (tlsCert || tlsKey) {
    try {
      https = { cert: readFileSync(String(tlsCert)), key: readFileSync(String(tlsKey)) };
    } catch (err) {
      io.err(`counter-agent hq serve: cannot read --tls-cert/--tls-key (or HQ_TLS_CERT/HQ_TLS_KEY): ${(err as Error).message}`);
      return 2;
    }
  }
  const trustProxy = String(values['trust-proxy'] ?? env.HQ_TRUST_PROXY ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const badProxy = trustProxy.find((a) => !isIP(a.split('/')[0] ?? '') || (a.includes('/') && !/^\d{1,3}$/.test(a.split('/')[1] ?? '')));
  if (badProxy) {
    io.err(`counter-agent hq serve: --trust-proxy takes IP addresses or CIDR ranges separated by commas (the reverse proxy's), got "${badProxy}"`);
    return 2;
  }
  const workersText = String(values.workers ?? env.HQ_WORKERS ?? '1');
  const workers = /^\d{1,2}$/.test(workersText) ? Number(workersText) : 0;
  if (workers < 1 || workers > 64) {
    io.err(`counter-agent hq serve: --workers (or HQ_WORKERS) expects a number of processes 1..64, got "${workersText}"`);
    return 2;
  }
  const log = createLogger(env.HQ_LOG_LEVEL ?? 'info');
  // Under systemd (Type=notify, systemd/counter-agent-hq.service) the primary says READY=1 once HQ listens, so
  // `systemctl start` returns when the boxes can push, and a failed start says why in `systemctl status`. Made
  // before any fork: it takes NOTIFY_SOCKET out of the environment the workers inherit.
  const systemd = isHqWorker() ? undefined : systemdService({ log });
  systemd?.status('starting: migrations and projection catch-up');
  // systemd is there exactly in the primary (or the single process).
  if (workers > 1 && systemd) return servePrimary(databaseUrl, workers, log, io, systemd);
  try {
    const hq = await startHq({
      prepared: isHqWorker(),
      ...(workers > 1 ? { poolSize: workerPoolSize(workers) } : {}),
      trustProxy,
      databaseUrl,
      host,
      port,
      adminTokenSha256: admin,
      ...(https ? { https } : {}),
      log,
    });
    if (isHqWorker()) reportListening(hq.url);
    else io.out(`counter-agent hq listening on ${hq.url}`);
    systemd?.ready(() => `serving ${hq.url}`);
    await stopSignal();
    systemd?.stopping();
    await hq.close();
    return 0;
  } catch (err) {
    // A worker's failure is the primary's to say, once for all of them.
    if (isHqWorker()) await reportFailed((err as Error).message);
    else io.err(`counter-agent hq serve: ${(err as Error).message}`);
    systemd?.status(`failed to start: ${(err as Error).message}`);
    return 2;
  } finally {
    // A worker leaves the cluster in runCli (agent/cli/main.ts), whatever it ran.
    await systemd?.flush();
  }
}

const stopSignal = (): Promise<void> =>
  new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

/** --workers N: the start work here, once (migrations, catch-up, partitions), then N workers serve (hq/workers.ts). */
async function servePrimary(databaseUrl: string, workers: number, log: ReturnType<typeof createLogger>, io: Io, systemd: SystemdService): Promise<number> {
  const pool = createPool(databaseUrl, 2, (err) => log.warn({ err: err.message }, 'idle PostgreSQL connection lost'));
  let prepared: Awaited<ReturnType<typeof prepareHq>> | undefined;
  try {
    prepared = await prepareHq(pool, log);
    const running = await forkWorkers(workers, log);
    io.out(`counter-agent hq listening on ${running.url} (${workers} workers)`);
    systemd.ready(() => `serving ${running.url} (${workers} workers)`);
    await stopSignal();
    systemd.stopping();
    await running.stop();
    return 0;
  } catch (err) {
    io.err(`counter-agent hq serve: ${(err as Error).message}`);
    systemd.status(`failed to start: ${(err as Error).message}`);
    return 2;
  } finally {
    prepared?.stop();
    await pool.end();
    await systemd.flush();
  }
}
