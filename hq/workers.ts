// `hq serve --workers N`: HQ as N processes sharing one listening socket (node:cluster). One Node process runs
// HQ's own CPU work (body parse, re-hash, payload parse, query parameters) on one core while the PostgreSQL backends
// use the others; measured on two cores, a single process left a fifth of the CPU idle at ingest, each of HQ and
// PostgreSQL waiting on the other (bench/hq.ts). The primary does the start work once (hq/app.ts prepareHq), then
// forks; the workers only serve. Everything they share lives in PostgreSQL under row locks, so two workers taking two
// batches of one box serialise there exactly as two requests in one process do.
import cluster, { type Worker } from 'node:cluster';

interface Log {
  warn: (obj: object, msg: string) => void;
  error: (obj: object, msg: string) => void;
}

type WorkerMessage = { hq: 'listening'; url: string } | { hq: 'failed'; message: string };

const isWorkerMessage = (m: unknown): m is WorkerMessage =>
  typeof m === 'object' && m !== null && ((m as WorkerMessage).hq === 'listening' || (m as WorkerMessage).hq === 'failed');

export const isHqWorker = (): boolean => cluster.isWorker;

/**
 * The variable that hands a worker its primary's command line. node:cluster starts a worker as
 * `execPath process.argv[1] args…`, which is right for `node bin/counter-agent.js hq serve …`, but the packaged
 * executable sees its own entry added to its argv once more, so its workers read `<entry> hq serve …` and failed
 * at the first flag ("Unknown option '--database'"). The environment passes the arguments through unchanged.
 */
const WORKER_ARGV = 'COUNTER_AGENT_HQ_WORKER_ARGV';

/** In a worker: the primary's command line (what followed the program); undefined anywhere else. */
export function hqWorkerArgv(): string[] | undefined {
  const raw = cluster.isWorker ? process.env[WORKER_ARGV] : undefined;
  if (!raw) return undefined;
  const args: unknown = JSON.parse(raw);
  return Array.isArray(args) && args.every((a) => typeof a === 'string') ? args : undefined;
}

/** In a worker: tells the primary it serves at `url`. */
export function reportListening(url: string): void {
  process.send?.({ hq: 'listening', url } satisfies WorkerMessage);
}

/** In a worker that could not start: tells the primary why (it says so once, for all), resolved once sent. */
export function reportFailed(message: string): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send({ hq: 'failed', message } satisfies WorkerMessage, undefined, {}, () => resolve());
  });
}

/** In a worker, once it closed: lets go of the primary (its IPC channel would keep the process alive). Idempotent. */
export function leaveCluster(): void {
  if (cluster.isWorker && process.connected) process.disconnect?.();
}

/** The connections of one worker's pool: the single process's 20 shared out, at least 4 each. */
export function workerPoolSize(workers: number): number {
  return Math.max(4, Math.ceil(20 / workers));
}

/**
 * In the primary: forks `count` workers (each runs this same command line), resolves with the URL once all listen.
 * A worker that exits before it listens fails the start, with the reason it reported (reportFailed); one that dies
 * later is replaced, so a crash costs the requests it had in flight (the boxes retry them) and not the service.
 */
export function forkWorkers(count: number, log?: Log): Promise<{ url: string; stop(): Promise<void> }> {
  let stopping = false;
  const live = new Set<Worker>();
  const stop = async (): Promise<void> => {
    stopping = true;
    await Promise.all(
      [...live].map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            const kill = setTimeout(() => w.process.kill('SIGKILL'), 10_000);
            w.once('exit', () => (clearTimeout(kill), resolve()));
            w.process.kill('SIGTERM');
          }),
      ),
    );
  };
  return new Promise((resolve, reject) => {
    let url: string | undefined;
    let listening = 0;
    const fork = (): void => {
      const w = cluster.fork({ [WORKER_ARGV]: JSON.stringify(process.argv.slice(2)) });
      live.add(w);
      let up = false;
      let failure: string | undefined;
      w.on('message', (m: unknown) => {
        if (!isWorkerMessage(m)) return;
        if (m.hq === 'failed') {
          failure = m.message;
          return;
        }
        if (up) return;
        up = true;
        url = m.url;
        if (++listening === count) resolve({ url, stop });
      });
      w.once('exit', (code, signal) => {
        live.delete(w);
        if (stopping) return;
        if (!up && listening < count) {
          void stop().then(() => reject(new Error(failure ?? `an HQ worker exited (${signal ?? `code ${code}`}) before it listened`)));
          return;
        }
        log?.error({ pid: w.process.pid, code, signal }, 'HQ worker died; starting another');
        // A second later: a worker that dies at once again (its cause still there) does not spin the CPU.
        setTimeout(() => stopping || fork(), 1000).unref();
      });
    };
    for (let i = 0; i < count; i++) fork();
  });
}
