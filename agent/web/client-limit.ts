// Per-client-address rate limits for callers who are not signed in (issue 15: a sustained flood of bad sign-ins
// from one address made /api/health and the counter's scans wait seconds, because every request is HTTP work on the
// one event loop). Signed-in callers (a valid bearer token or session cookie) are never counted and never limited:
// the counters' own calls are not behind anyone's sign-in attempts. The per-account lockout (accounts/store.ts)
// stays what stops guessing; this stops the volume.
//
// Three walls, cheapest last in the order a request meets them:
//  1. a token bucket per address for sign-ins (POST /api/login) and one for every other unsigned request, checked
//     in onRequest before the body is read: 429 with a Chinese message, Retry-After, and `Connection: close` so a
//     keep-alive flood has to reconnect for every try;
//  2. an address that keeps coming while refused (STRIKES refusals in a row) has its new connections held unread and
//     then closed — no HTTP parsing, no routing — until it has been quiet for PENALTY_MS, unless the same address made a signed-in
//     request within TRUSTED_MS (a counter PC that also floods cannot be told apart from itself at the socket: its
//     requests keep getting cheap 429s instead);
//  3. server timeouts (server.ts) so slow or idle sockets do not pile up.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpRateLimitConfig } from '../../config/index.js';

/** Refusals in a row after which an address's new connections are closed on accept. */
const STRIKES = 20;
/** How long an address that struck out has its connections closed (at least until its bucket holds a token again). */
const PENALTY_MS = 10_000;
/** An address that made a signed-in request this recently is never cut off at the socket. */
const TRUSTED_MS = 10 * 60_000;
/** Idle buckets are forgotten after this long (their bucket would be full again anyway). */
const FORGET_MS = 10 * 60_000;
/** Connections held unread at most (one file descriptor each). */
const MAX_HELD = 256;

interface Bucket {
  tokens: number;
  at: number;
}

interface Client {
  login: Bucket;
  other: Bucket;
  /** Refusals since the last request that was let through. */
  strikes: number;
  /** Until when new connections from this address are closed on accept. */
  blockedUntil: number;
  trustedAt: number;
  seen: number;
}

/**
 * Defaults (config http.rateLimit): a person signs in a few times a minute, but at a shift change four or five people may
 * sign in one after another on one shared PC, with a typo or two, hence 30 at once and 30 a minute. A page load is a
 * dozen requests and a signed-out page polls health every few seconds, hence 120 at once and 30 a second.
 */
export const DEFAULT_RATE_LIMIT: HttpRateLimitConfig = { signInsPerMinute: 30, signInBurst: 30, requestsPerSecond: 30, requestBurst: 120 };

export class ClientLimiter {
  private readonly clients = new Map<string, Client>();
  private lastSweep = 0;
  private readonly held = new Set<Socket>();
  /** Counters for tests and the bench: requests refused (429), connections held unread, closed on accept. */
  readonly stats = { refused: 0, held: 0, dropped: 0 };

  constructor(
    private readonly limits: HttpRateLimitConfig = DEFAULT_RATE_LIMIT,
    private readonly now: () => number = Date.now,
  ) {}

  private client(ip: string, t: number): Client {
    let c = this.clients.get(ip);
    if (!c) {
      c = {
        login: { tokens: this.limits.signInBurst, at: t },
        other: { tokens: this.limits.requestBurst, at: t },
        strikes: 0,
        blockedUntil: 0,
        trustedAt: 0,
        seen: t,
      };
      this.clients.set(ip, c);
    }
    c.seen = t;
    return c;
  }

  private sweep(t: number): void {
    if (t - this.lastSweep < 60_000) return;
    this.lastSweep = t;
    for (const [ip, c] of this.clients) if (t - c.seen > FORGET_MS && c.blockedUntil < t) this.clients.delete(ip);
  }

  /** A signed-in request from `ip`: the address is trusted for a while and its refusal streak ends. */
  signedIn(ip: string): void {
    const t = this.now();
    const c = this.client(ip, t);
    c.trustedAt = t;
    c.strikes = 0;
    c.blockedUntil = 0;
  }

  /**
   * One unsigned request from `ip`: undefined when it may go on, or the seconds to wait (Retry-After).
   * Tokens refill continuously at the configured rate up to the burst.
   */
  take(ip: string, signIn: boolean): number | undefined {
    const t = this.now();
    this.sweep(t);
    const c = this.client(ip, t);
    const [b, rate, burst] = signIn
      ? [c.login, this.limits.signInsPerMinute / 60_000, this.limits.signInBurst]
      : [c.other, this.limits.requestsPerSecond / 1000, this.limits.requestBurst];
    b.tokens = Math.min(burst, b.tokens + (t - b.at) * rate);
    b.at = t;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      c.strikes = 0;
      return undefined;
    }
    this.stats.refused++;
    const waitMs = Math.ceil((1 - b.tokens) / rate);
    c.strikes++;
    if (c.strikes >= STRIKES && t - c.trustedAt > TRUSTED_MS) c.blockedUntil = t + Math.max(waitMs, PENALTY_MS);
    return Math.max(1, Math.ceil(waitMs / 1000));
  }

  /**
   * Puts the gate in front of the HTTP server's own connection handling (wall 2): a socket from a cut-off address
   * is never handed to HTTP. It is held, unread, until the penalty ends and then closed — a flooder's connection
   * waits instead of reconnecting at once, so the flood costs one accept per connection per PENALTY_MS. At most
   * MAX_HELD are held (each is a file descriptor); beyond that they are closed on accept.
   */
  guard(server: Server): void {
    const inner = server.listeners('connection') as ((socket: Socket) => void)[];
    server.removeAllListeners('connection');
    server.on('connection', (socket: Socket) => {
      if (this.admit(socket)) for (const listener of inner) listener.call(server, socket);
    });
  }

  private admit(socket: Socket): boolean {
    const ip = socket.remoteAddress;
    const c = ip === undefined ? undefined : this.clients.get(ip);
    const t = this.now();
    if (!c || c.blockedUntil <= t) return true;
    socket.on('error', () => undefined);
    if (this.held.size >= MAX_HELD) {
      this.stats.dropped++;
      socket.destroy();
      return false;
    }
    // Still coming while cut off: the cut-off lasts until the address has been quiet for PENALTY_MS, so the held
    // connections closing together does not let the whole flood back in at once.
    c.blockedUntil = Math.max(c.blockedUntil, t + PENALTY_MS);
    this.stats.held++;
    this.held.add(socket);
    const timer = setTimeout(() => socket.destroy(), PENALTY_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      this.held.delete(socket);
    });
    return false;
  }

  /** Closes every held socket (at shutdown: the server waits for open connections). */
  releaseAll(): void {
    for (const socket of this.held) socket.destroy();
  }

  /** The 429 for a refused request: says what happened and when to try again; the connection closes after it. */
  refuse(reply: FastifyReply, retryAfter: number, signIn: boolean): FastifyReply {
    return reply
      .code(429)
      .header('retry-after', String(retryAfter))
      .header('connection', 'close')
      .send({
        errors: [
          {
            // A sign-in refused here is a lock on this address, so it answers as the lockout does (LOGIN_LOCKED).
            code: signIn ? 'LOGIN_LOCKED' : 'RATE_LIMITED',
            message: signIn
              ? `此设备登录尝试次数过多，已暂停受理：请 ${retryAfter} 秒后再试；如非本人操作，请通知店长检查店内网络`
              : `此设备请求过于频繁，已暂停受理：请 ${retryAfter} 秒后再试；已登录的收银台不受影响`,
          },
        ],
      });
  }
}

export const isSignIn = (req: FastifyRequest): boolean => req.method === 'POST' && req.routeOptions.url === '/api/login';
