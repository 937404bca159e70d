import { createHash, randomBytes, randomInt } from 'node:crypto';
import type pg from 'pg';
import { inTransaction } from './db/transaction.js';

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

// Read aloud or typed at a box: no 0/O, 1/I/L, uppercase only.
const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const ENROL_CODE_DAYS = 7;

export const STORE_ID_PATTERN = /^[A-Z0-9]{12}$/;

/** A one-time enrolment code for a store (created if new); only its hash is kept. Valid 7 days, used once. */
export async function issueEnrolCode(pool: pg.Pool, storeId: string, name: string | null, now = new Date()): Promise<{ code: string; expiresAt: Date }> {
  if (!STORE_ID_PATTERN.test(storeId)) throw new Error(`store code must be the 12-character fixmedins_code (A–Z, 0–9), got "${storeId}"`);
  let raw = '';
  for (let i = 0; i < 12; i++) raw += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  const code = `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8)}`;
  const expiresAt = new Date(now.getTime() + ENROL_CODE_DAYS * 86_400_000);
  await pool.query('INSERT INTO stores (store_id, name) VALUES ($1, $2) ON CONFLICT (store_id) DO UPDATE SET name = COALESCE(EXCLUDED.name, stores.name)', [
    storeId,
    name,
  ]);
  await pool.query('INSERT INTO enrol_codes (store_id, code_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)', [
    storeId,
    sha256(normaliseCode(code)),
    now,
    expiresAt,
  ]);
  return { code, expiresAt };
}

function normaliseCode(code: string): string {
  return code.toUpperCase().replace(/[^0-9A-Z]/g, '');
}

/**
 * Exchanges an unused, unexpired code for the store's credential `STORE.TOKEN` (random 256 bits; HQ keeps its
 * SHA-256). Returns null for any failure (wrong, used, expired, other store): the caller says one thing for all.
 */
export async function exchangeEnrolCode(pool: pg.Pool, storeId: string, code: string, now = new Date()): Promise<string | null> {
  // When the code is not taken, the UPDATE changed nothing: committing that is the same as rolling it back.
  return inTransaction(pool, async (client) => {
    const used = await client.query('UPDATE enrol_codes SET used_at = $3 WHERE store_id = $1 AND code_hash = $2 AND used_at IS NULL AND expires_at > $3', [
      storeId,
      sha256(normaliseCode(code)),
      now,
    ]);
    if (used.rowCount !== 1) return null;
    const token = randomBytes(32).toString('base64url');
    await client.query('INSERT INTO credentials (store_id, token_hash, created_at) VALUES ($1, $2, $3)', [storeId, sha256(token), now]);
    return `${storeId}.${token}`;
  });
}

/** Revokes every live credential of the store; its box is refused from the next request. */
export async function revokeCredentials(pool: pg.Pool, storeId: string, now = new Date()): Promise<number> {
  const r = await pool.query('UPDATE credentials SET revoked_at = $2 WHERE store_id = $1 AND revoked_at IS NULL', [storeId, now]);
  return r.rowCount ?? 0;
}

/** The store a credential belongs to, or null when unknown or revoked. One primary-key probe. */
export async function authenticateStore(pool: pg.Pool, credential: string): Promise<string | null> {
  const dot = credential.indexOf('.');
  if (dot <= 0) return null;
  const storeId = credential.slice(0, dot);
  const token = credential.slice(dot + 1);
  if (!STORE_ID_PATTERN.test(storeId) || token.length < 20) return null;
  const { rowCount } = await pool.query('SELECT 1 FROM credentials WHERE store_id = $1 AND token_hash = $2 AND revoked_at IS NULL', [storeId, sha256(token)]);
  return rowCount === 1 ? storeId : null;
}
