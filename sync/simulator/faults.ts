// Fault injection: what a flaky provincial platform (or the proxy in front of it) does.
// Each rate is a probability in [0, 1], drawn per request with `random` (Math.random by default);
// a rate that is unset or 0 draws nothing, so a deterministic `random` stays easy to script.

export interface Faults {
  /** Delay before anything else happens. */
  latencyMs?: number;
  /** Answer HTTP 500 with an HTML page, without processing. */
  rate5xx?: number;
  /** Hold the request without processing (past the client's timeout), then drop the connection. */
  rateTimeout?: number;
  /** How long a held request is kept before the socket is destroyed (default 60 s). */
  timeoutHoldMs?: number;
  /** Answer HTTP 200 with a body that is not a valid envelope, without processing. */
  rateMalformed?: number;
  /** Which malformed body; default: picked with `random`. */
  malformedKind?: MalformedKind;
  /** Process and commit fully, then destroy the socket without answering. */
  rateLostAfterCommit?: number;
  random?: () => number;
}

export type MalformedKind = 'html' | 'not-envelope' | 'truncated' | 'empty';
const KINDS: readonly MalformedKind[] = ['html', 'not-envelope', 'truncated', 'empty'];

export function hit(rate: number | undefined, f: Faults): boolean {
  return rate !== undefined && rate > 0 && (f.random ?? Math.random)() < rate;
}

export function malformedBody(f: Faults): { contentType: string; body: string } {
  const kind = f.malformedKind ?? KINDS[Math.min(KINDS.length - 1, Math.floor((f.random ?? Math.random)() * KINDS.length))]!;
  switch (kind) {
    case 'html':
      return {
        contentType: 'text/html; charset=utf-8',
        body: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>',
      };
    case 'not-envelope':
      return { contentType: 'application/json', body: JSON.stringify({ code: 200, message: 'success', data: null }) };
    case 'truncated':
      return { contentType: 'application/json', body: '{"infcode":0,"inf_refmsgid":"SIM2026112' };
    case 'empty':
      return { contentType: 'application/json', body: '' };
  }
}

/** Validates rates so a typo on the command line is caught at start. */
export function checkFaults(f: Faults): Faults {
  for (const k of ['rate5xx', 'rateTimeout', 'rateMalformed', 'rateLostAfterCommit'] as const) {
    const v = f[k];
    if (v !== undefined && !(v >= 0 && v <= 1)) throw new Error(`simulator fault ${k} must be between 0 and 1, got ${v}`);
  }
  for (const k of ['latencyMs', 'timeoutHoldMs'] as const) {
    const v = f[k];
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new Error(`simulator fault ${k} must be a non-negative number of ms, got ${v}`);
  }
  return { ...f };
}
