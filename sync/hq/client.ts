import type { StoredEvent } from '../../agent/ledger/events.js';

export interface HqHead {
  seq: number;
  hash: string;
}

export interface HqFlag {
  code: string;
  seq: number;
  detail: string;
  at: string;
}

/** The same box out at this store and at another (hq/code-index.ts StoreConflict). */
export interface HqConflict {
  id: number;
  code: string;
  otherStore: string;
  otherStoreName: string | null;
  soldAt: string | null;
  otherSoldAt: string | null;
  detectedAt: string;
}

export type PushResult =
  | { kind: 'ok'; accepted: number; duplicates: number; head: HqHead }
  | { kind: 'out_of_order'; expectedSeq: number; head: HqHead }
  /** HQ flagged this store's chain (now or earlier) and takes nothing more. */
  | { kind: 'flagged'; error: string; message: string; flag: HqFlag; head: HqHead }
  | { kind: 'unauthorized'; message: string };

/** The box's heartbeat to HQ (hq/page-routes.ts, POST /hq/v1/status): what the HQ page's 门店 table shows. */
export interface BoxStatusReport {
  version: string;
  localSeq: number;
  /** Time of the oldest event HQ has not acknowledged (null when caught up): the replication lag in time. */
  oldestUnsentAt: string | null;
  outbox: { backlog: number; failed: number; oldestPendingAgeSeconds: number | null };
  alarms: { code: string; message: string }[];
}

/** HQ answered something the box cannot act on, or did not answer: retry later. */
export class HqUnavailableError extends Error {}

/** The box's HTTP client for the chain HQ (hq/server.ts is the other side). */
export class HqClient {
  private readonly base: string;

  constructor(
    url: string,
    private credential: string | null,
    private readonly timeoutMs = 15_000,
  ) {
    this.base = url.replace(/\/+$/, '');
  }

  setCredential(credential: string): void {
    this.credential = credential;
  }

  private async call(method: string, path: string, body?: unknown, timeoutMs = this.timeoutMs): Promise<{ status: number; json: Record<string, unknown> }> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(this.credential ? { authorization: `Bearer ${this.credential}` } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new HqUnavailableError(`HQ ${this.base} unreachable: ${cause ?? (err as Error).message}`);
    }
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      throw new HqUnavailableError(`HQ ${this.base}${path} answered ${res.status} with non-JSON`);
    }
    return { status: res.status, json };
  }

  async enrol(store: string, code: string): Promise<string> {
    const { status, json } = await this.call('POST', '/hq/v1/enrol', { store, code });
    if (status === 201 && typeof json.credential === 'string') return json.credential;
    if (status === 401) throw new Error(String(json.message ?? 'enrolment code refused'));
    throw new HqUnavailableError(`HQ enrolment answered ${status}`);
  }

  async head(): Promise<{ head: HqHead; flag: HqFlag | null }> {
    const { status, json } = await this.call('GET', '/hq/v1/head');
    if (status === 200) return { head: json.head as HqHead, flag: (json.flag as HqFlag | null) ?? null };
    if (status === 401) throw new Error(String(json.message));
    throw new HqUnavailableError(`HQ head answered ${status}`);
  }

  async push(events: readonly StoredEvent[]): Promise<PushResult> {
    const { status, json } = await this.call('POST', '/hq/v1/events', { events });
    if (status === 200) return { kind: 'ok', accepted: json.accepted as number, duplicates: json.duplicates as number, head: json.head as HqHead };
    if (status === 409 && json.error === 'OUT_OF_ORDER') return { kind: 'out_of_order', expectedSeq: json.expectedSeq as number, head: json.head as HqHead };
    if (status === 409)
      return { kind: 'flagged', error: String(json.error), message: String(json.message), flag: json.flag as HqFlag, head: json.head as HqHead };
    if (status === 401) return { kind: 'unauthorized', message: String(json.message) };
    throw new HqUnavailableError(`HQ ingest answered ${status}: ${String(json.message ?? '')}`);
  }

  async status(report: BoxStatusReport): Promise<void> {
    const { status, json } = await this.call('POST', '/hq/v1/status', report);
    if (status !== 204) throw new HqUnavailableError(`HQ status answered ${status}: ${String(json.message ?? '')}`);
  }

  /** GET with the store credential; 401/403 throw with HQ's Chinese message, anything else but 200 is HQ unavailable. */
  async get(path: string): Promise<Record<string, unknown>> {
    const { status, json } = await this.call('GET', path);
    if (status === 200) return json;
    if (status === 401 || status === 403) throw new Error(String(json.message ?? `HQ ${path} answered ${status}`));
    throw new HqUnavailableError(`HQ ${path} answered ${status}: ${String(json.message ?? '')}`);
  }

  /** This store's chain conflicts after `after` (hq/server.ts GET /hq/v1/conflicts). */
  async conflicts(after: number): Promise<HqConflict[]> {
    const { status, json } = await this.call('GET', `/hq/v1/conflicts?after=${after}`);
    if (status !== 200 || !Array.isArray(json.conflicts)) throw new HqUnavailableError(`HQ conflicts answered ${status}`);
    return json.conflicts as HqConflict[];
  }

  /** The chain-wide record of a code; throws HqUnavailableError after `timeoutMs`. */
  async code(code: string, timeoutMs: number): Promise<Record<string, unknown>> {
    const { status, json } = await this.call('GET', `/hq/v1/codes/${encodeURIComponent(code)}`, undefined, timeoutMs);
    if (status !== 200) throw new HqUnavailableError(`HQ code check answered ${status}`);
    return json;
  }
}
