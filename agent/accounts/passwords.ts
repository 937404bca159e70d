import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password (and cashier PIN) hashing with scrypt from node:crypto: memory-hard, no extra dependency.
 * Stored as `scrypt$N$r$p$salt$hash` (salt and hash base64), so the cost can be raised later:
 * `needsRehash` says when a stored hash is weaker than today's parameters, and login rehashes it.
 */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Hard ceiling for parameters read back from a stored hash (a tampered row must not exhaust memory). */
const MAX_N = 2 ** 20;

/**
 * Every scrypt runs on libuv's thread pool (4 threads by default, shared with file and DNS work) for ~50–100 ms
 * and 32 MiB. A storm of sign-ins must not take the whole pool (issue 15: /api/health took 18 s), so at most
 * HASH_CONCURRENCY run at once and at most HASH_QUEUE_MAX wait; beyond that a hash is refused at once
 * (HashBusyError, the sign-in answers 503) instead of queueing without end.
 */
export const HASH_CONCURRENCY = 2;
export const HASH_QUEUE_MAX = 32;

/** Too many password checks are waiting already: try again in a moment. */
export class HashBusyError extends Error {
  constructor() {
    super(`password hashing queue full (${HASH_CONCURRENCY} running, ${HASH_QUEUE_MAX} waiting)`);
  }
}

let running = 0;
const waiting: (() => void)[] = [];

async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= HASH_CONCURRENCY) {
    if (waiting.length >= HASH_QUEUE_MAX) throw new HashBusyError();
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else running++;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next)
      next(); // the slot passes to the next waiter; `running` stays the same
    else running--;
  }
}

/** What the hashing queue holds now (for tests and the bench). */
export function hashQueue(): { running: number; waiting: number } {
  return { running, waiting: waiting.length };
}

function scryptAsync(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return slot(
    () => new Promise<Buffer>((resolve, reject) => scrypt(password.normalize('NFKC'), salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key)))),
  );
}

/** 128·N·r bytes are needed; Node's default ceiling (32 MiB) is exactly N=2^15, r=8, so leave headroom. */
const maxmem = (N: number, r: number) => 128 * N * r * 2 + 1024 * 1024;

export async function hashPassword(password: string, params: { N: number; r: number; p: number } = SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scryptAsync(password, salt, KEY_BYTES, { N: params.N, r: params.r, p: params.p, maxmem: maxmem(params.N, params.r) });
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

interface Parsed {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function parse(stored: string): Parsed | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0) || N > MAX_N || (N & (N - 1)) !== 0 || r > 32 || p > 16) return undefined;
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const hash = Buffer.from(parts[5] ?? '', 'base64');
  if (salt.length === 0 || hash.length === 0) return undefined;
  return { N, r, p, salt, hash };
}

/** Constant-time comparison of the derived key; a malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const s = parse(stored);
  if (!s) return false;
  const key = await scryptAsync(password, s.salt, s.hash.length, { N: s.N, r: s.r, p: s.p, maxmem: maxmem(s.N, s.r) });
  return key.length === s.hash.length && timingSafeEqual(key, s.hash);
}

/** True when the stored hash uses weaker parameters than today's (or cannot be read). */
export function needsRehash(stored: string): boolean {
  const s = parse(stored);
  return !s || s.N < SCRYPT_PARAMS.N || s.r < SCRYPT_PARAMS.r || s.p < SCRYPT_PARAMS.p || s.hash.length < KEY_BYTES || s.salt.length < SALT_BYTES;
}

let dummy: Promise<string> | undefined;
/** Spends the same work as a real check, for unknown usernames: the answer time does not reveal who exists. */
export async function burnVerify(password: string): Promise<false> {
  dummy ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(password, await dummy);
  return false;
}
