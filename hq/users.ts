// HQ people: chain admins (every store) and regional managers (the stores listed for them). Passwords hashed as
// the box hashes them (agent/accounts/passwords.ts: scrypt, bounded concurrency); sessions are random tokens of
// which HQ keeps the SHA-256; sign-in is throttled like the box's (agent/accounts/store.ts): 5 failures for one
// username or 20 from one address within 15 min lock that key for 15 min from the last failure.
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { burnVerify, hashPassword, needsRehash, verifyPassword } from '../agent/accounts/passwords.js';
import { inTransaction } from './db/transaction.js';
import { STORE_ID_PATTERN } from './enrolment.js';

export type HqRole = 'admin' | 'regional';
export const HQ_ROLES: readonly HqRole[] = ['admin', 'regional'];

export interface HqUser {
  username: string;
  displayName: string;
  role: HqRole;
  /** The stores a regional manager sees; null for a chain admin (all of them). */
  stores: string[] | null;
}

export const LOGIN_LIMITS = { perUser: 5, perIp: 20, windowMs: 15 * 60_000, lockMs: 15 * 60_000 } as const;
export const SESSION_MS = 12 * 3600_000;
export const MIN_PASSWORD = 10;

const sha256 = (s: string): Buffer => createHash('sha256').update(s).digest();
export const normalizeUsername = (u: string): string => u.trim().toLowerCase();

export async function addUser(
  pool: pg.Pool,
  input: { username: string; displayName: string; role: HqRole; password: string; stores: readonly string[] },
): Promise<void> {
  const username = normalizeUsername(input.username);
  if (!/^[a-z0-9._-]{2,40}$/.test(username)) throw new Error(`username must be 2–40 of a–z 0–9 . _ -, got "${input.username}"`);
  if (!HQ_ROLES.includes(input.role)) throw new Error(`role must be admin or regional, got "${input.role}"`);
  if (input.password.length < MIN_PASSWORD) throw new Error(`password must have at least ${MIN_PASSWORD} characters`);
  if (input.role === 'regional' && input.stores.length === 0) throw new Error('a regional manager needs --stores A,B (the stores of the region)');
  if (input.role === 'admin' && input.stores.length > 0) throw new Error('a chain admin sees every store: leave out --stores');
  const bad = input.stores.find((s) => !STORE_ID_PATTERN.test(s));
  if (bad) throw new Error(`--stores takes 12-character store codes (A–Z, 0–9), got "${bad}"`);
  const hash = await hashPassword(input.password);
  await inTransaction(pool, async (client) => {
    await client.query(
      `INSERT INTO hq_users (username, display_name, role, password_hash) VALUES ($1, $2, $3, $4)
       ON CONFLICT (username) DO UPDATE SET display_name = EXCLUDED.display_name, role = EXCLUDED.role, password_hash = EXCLUDED.password_hash, disabled_at = NULL`,
      [username, input.displayName, input.role, hash],
    );
    await client.query('DELETE FROM hq_user_stores WHERE username = $1', [username]);
    await client.query('INSERT INTO hq_user_stores (username, store_id) SELECT $1, unnest($2::text[])', [username, [...new Set(input.stores)]]);
    // A changed role or region takes effect now: the user signs in again.
    await client.query('DELETE FROM hq_sessions WHERE username = $1', [username]);
  });
}

async function loadUser(pool: pg.Pool, username: string): Promise<(HqUser & { hash: string }) | null> {
  const { rows } = await pool.query<{ username: string; display_name: string; role: HqRole; password_hash: string; stores: string[] }>(
    `SELECT u.username, u.display_name, u.role, u.password_hash,
       COALESCE(array_agg(s.store_id ORDER BY s.store_id) FILTER (WHERE s.store_id IS NOT NULL), '{}') AS stores
     FROM hq_users u LEFT JOIN hq_user_stores s ON s.username = u.username
     WHERE u.username = $1 AND u.disabled_at IS NULL GROUP BY u.username`,
    [username],
  );
  const r = rows[0];
  if (!r) return null;
  return { username: r.username, displayName: r.display_name, role: r.role, stores: r.role === 'admin' ? null : r.stores, hash: r.password_hash };
}

export type LoginResult = { ok: true; user: HqUser; token: string } | { ok: false; reason: 'invalid' } | { ok: false; reason: 'locked'; retryAt: Date };

/** When the username or address may try again, or null when neither is locked. */
async function lockedUntil(client: pg.PoolClient, username: string, ip: string, now: Date): Promise<Date | null> {
  const since = new Date(now.getTime() - LOGIN_LIMITS.windowMs - LOGIN_LIMITS.lockMs);
  const { rows } = await client.query<{ key: string; at: Date }>(
    `SELECT 'u' AS key, at FROM hq_login_attempts WHERE username = $1 AND at > $3
     UNION ALL SELECT 'i', at FROM hq_login_attempts WHERE ip = $2 AND at > $3 ORDER BY at`,
    [username, ip, since],
  );
  let until: number | null = null;
  for (const [key, max] of [
    ['u', LOGIN_LIMITS.perUser],
    ['i', LOGIN_LIMITS.perIp],
  ] as const) {
    const times = rows.filter((r) => r.key === key).map((r) => r.at.getTime());
    for (let i = max - 1; i < times.length; i++) {
      const last = times[i] as number;
      if (last - (times[i - max + 1] as number) < LOGIN_LIMITS.windowMs && last + LOGIN_LIMITS.lockMs > now.getTime())
        until = Math.max(until ?? 0, last + LOGIN_LIMITS.lockMs);
    }
  }
  return until === null ? null : new Date(until);
}

/**
 * The attempt is written as a failure before the password is checked, under a per-username advisory lock, so
 * parallel guesses cannot all pass the lock check; a success removes it again.
 */
export async function login(pool: pg.Pool, rawUsername: string, password: string, ip: string, now = new Date()): Promise<LoginResult> {
  const username = normalizeUsername(rawUsername);
  const retryAt = await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`hq-login:${username}`]);
    const until = await lockedUntil(client, username, ip, now);
    if (!until) await client.query('INSERT INTO hq_login_attempts (username, ip, at) VALUES ($1, $2, $3)', [username, ip, now]);
    return until;
  });
  if (retryAt) return { ok: false, reason: 'locked', retryAt };
  const user = await loadUser(pool, username);
  const ok = user ? await verifyPassword(password, user.hash) : await burnVerify(password);
  if (!ok || !user) return { ok: false, reason: 'invalid' };
  await pool.query('DELETE FROM hq_login_attempts WHERE username = $1 AND ip = $2 AND at = $3', [username, ip, now]);
  if (needsRehash(user.hash)) await pool.query('UPDATE hq_users SET password_hash = $2 WHERE username = $1', [username, await hashPassword(password)]);
  const token = randomBytes(32).toString('base64url');
  await pool.query('INSERT INTO hq_sessions (id, username, created_at, expires_at) VALUES ($1, $2, $3, $4)', [
    sha256(token),
    username,
    now,
    new Date(now.getTime() + SESSION_MS),
  ]);
  await pool.query('DELETE FROM hq_sessions WHERE expires_at < $1', [now]);
  const { hash: _hash, ...plain } = user;
  return { ok: true, user: plain, token };
}

export async function sessionUser(pool: pg.Pool, token: string, now = new Date()): Promise<HqUser | null> {
  const { rows } = await pool.query<{ username: string }>('SELECT username FROM hq_sessions WHERE id = $1 AND expires_at > $2', [sha256(token), now]);
  const username = rows[0]?.username;
  if (!username) return null;
  const user = await loadUser(pool, username);
  if (!user) return null;
  const { hash: _hash, ...plain } = user;
  return plain;
}

export async function logout(pool: pg.Pool, token: string): Promise<void> {
  await pool.query('DELETE FROM hq_sessions WHERE id = $1', [sha256(token)]);
}
