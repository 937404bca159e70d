// The platform simulator: an HTTP server on 127.0.0.1 speaking the NHSA envelope on the callService
// path, with its own SQLite state and fault injection. Used by tests, demo mode and
// `counter-agent simulate-platform`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { profileByName } from '../spec/index.js';
import { runNightlyAudit as audit } from './audit.js';
import { openSimulatorDb, type SimDb } from './db.js';
import { dispatch, type SimState } from './dispatch.js';
import { checkFaults, type Faults, hit, malformedBody } from './faults.js';
import type { SimulatorSigning } from './security.js';
import { addStores, seedSimulator } from './seed.js';

export type { Faults } from './faults.js';
export type { SimulatorSigning } from './security.js';

/** The path NHSA integrations POST to. */
export const CALL_SERVICE_PATH = '/fsi/api/rsfComIfsService/callService';
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface SimulatorOptions {
  host?: '127.0.0.1';
  /** 0 (default) = an ephemeral port. */
  port?: number;
  dbPath: string;
  faults?: Faults;
  clock?: () => Date;
  signing?: SimulatorSigning;
  /** Insert the demo stores, persons, drugs and procurement orders (default true). */
  seed?: boolean;
  /** Province profile the platform speaks (sync/spec/profiles/); default national. */
  profile?: string;
  /** Answer 2103/2601 with the national (empty) output instead of the simulator's extra fields. */
  nationalOutputs?: boolean;
  /**
   * Stores the platform knows besides the seeded ones: the box's own store, so that a box provisioned with its
   * real 定点医药机构编码 can work against the embedded simulator (otherwise: 定点医药机构编码不存在).
   */
  stores?: readonly { code: string; name: string; admdvs: string }[];
  /** Where unexpected errors are reported (default: a JSON line on stderr). */
  onError?: (err: unknown) => void;
}

export interface SimulatorHandle {
  /** Full callService URL. */
  url: string;
  port: number;
  db: SimDb;
  close(): Promise<void>;
  setFaults(f: Faults): void;
  /** See SimulatorOptions.nationalOutputs. */
  setNationalOutputs(on: boolean): void;
  /** Answer 3501–3506 with retRslt "0" and this message (undefined: accept again). */
  setUploadRefusal(msgRslt: string | undefined): void;
  /** Audits a Shanghai day (yyyy-MM-dd); returns the number of 疑点 that day now has. */
  runNightlyAudit(date: string): number;
  /** Makes every issued sign_no invalid (as after a platform-side session reset). */
  invalidateSignIns(): void;
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        resolve(null);
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startSimulator(opts: SimulatorOptions): Promise<SimulatorHandle> {
  const db = openSimulatorDb(opts.dbPath);
  if (opts.seed ?? true) seedSimulator(db);
  if (opts.stores?.length) addStores(db, opts.stores);
  const clock = opts.clock ?? (() => new Date());
  const state: SimState = {
    db,
    clock,
    signing: opts.signing ?? {},
    refSeq: 0,
    profile: profileByName(opts.profile),
    nationalOutputs: opts.nationalOutputs ?? false,
  };
  let faults: Faults = checkFaults(opts.faults ?? {});
  const held = new Set<{ socket: Socket; timer: NodeJS.Timeout }>();
  const onError = opts.onError ?? ((err: unknown) => console.error(JSON.stringify({ level: 'error', msg: 'platform simulator error', err: String(err) })));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (path !== CALL_SERVICE_PATH) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' }).end('method not allowed');
    const body = await readBody(req);
    if (body === null) return void res.writeHead(413, { 'content-type': 'text/plain' }).end('request too large');
    const f = faults;
    if (f.latencyMs) await new Promise((r) => setTimeout(r, f.latencyMs));
    if (hit(f.rate5xx, f)) {
      return void res.writeHead(500, { 'content-type': 'text/html' }).end('<html><body><h1>500 Internal Server Error</h1></body></html>');
    }
    if (hit(f.rateTimeout, f)) {
      const entry = { socket: req.socket, timer: setTimeout(() => req.socket.destroy(), f.timeoutHoldMs ?? 60_000) };
      held.add(entry);
      req.socket.once('close', () => {
        clearTimeout(entry.timer);
        held.delete(entry);
      });
      return;
    }
    if (hit(f.rateMalformed, f)) {
      const m = malformedBody(f);
      return void res.writeHead(200, { 'content-type': m.contentType }).end(m.body);
    }
    const result = await dispatch(state, body);
    if (hit(f.rateLostAfterCommit, f)) return void req.socket.destroy();
    res.writeHead(result.status, { 'content-type': 'application/json; charset=utf-8' }).end(result.body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      onError(err);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      else res.destroy();
    });
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => (server.off('error', reject), resolve()));
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('simulator: no TCP address');
  let closed = false;

  return {
    url: `http://${host}:${addr.port}${CALL_SERVICE_PATH}`,
    port: addr.port,
    db,
    setFaults: (f) => {
      faults = checkFaults(f);
    },
    setNationalOutputs: (on) => {
      state.nationalOutputs = on;
    },
    setUploadRefusal: (m) => {
      state.uploadRefusal = m;
    },
    runNightlyAudit: (date) => audit(db, date, clock()),
    invalidateSignIns: () => void db.prepare('UPDATE sign_ins SET valid = 0').run(),
    close: async () => {
      if (closed) return;
      closed = true;
      for (const h of held) {
        clearTimeout(h.timer);
        h.socket.destroy();
      }
      held.clear();
      const done = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await done;
      db.close();
    },
  };
}
