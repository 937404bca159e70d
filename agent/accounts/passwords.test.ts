import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { hashPassword, needsRehash, SCRYPT_PARAMS, verifyPassword } from './passwords.js';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

describe('password hashing (scrypt)', () => {
  it('stores scrypt$N$r$p$salt$hash with a 16-byte salt and a 32-byte key, salted per hash', async () => {
    const h = await hashPassword('correct horse');
    const parts = h.split('$');
    expect(parts.slice(0, 4)).toEqual(['scrypt', String(2 ** 15), '8', '1']);
    expect(Buffer.from(parts[4]!, 'base64')).toHaveLength(16);
    expect(Buffer.from(parts[5]!, 'base64')).toHaveLength(32);
    expect(await hashPassword('correct horse')).not.toBe(h);
    expect(SCRYPT_PARAMS).toEqual({ N: 32768, r: 8, p: 1 });
  });

  it('verifies the right password, refuses a wrong one, with a constant-time comparison', async () => {
    const h = await hashPassword('123456');
    vi.mocked(crypto.timingSafeEqual).mockClear();
    expect(await verifyPassword('123456', h)).toBe(true);
    expect(crypto.timingSafeEqual).toHaveBeenCalledTimes(1);
    expect(await verifyPassword('123457', h)).toBe(false);
    expect(await verifyPassword('', h)).toBe(false);
    expect(crypto.timingSafeEqual).toHaveBeenCalledTimes(3);
  });

  it('never matches a malformed or hostile stored hash', async () => {
    expect(await verifyPassword('x', 'plain')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$3$8$1$AAAA$AAAA')).toBe(false); // N not a power of two
    expect(await verifyPassword('x', `scrypt$${2 ** 30}$8$1$AAAA$AAAA`)).toBe(false); // would exhaust memory
  });

  it('asks for a rehash when the stored parameters are weaker than today', async () => {
    expect(needsRehash(await hashPassword('pw-abcdefg'))).toBe(false);
    const weak = await hashPassword('pw-abcdefg', { N: 2 ** 10, r: 8, p: 1 });
    expect(needsRehash(weak)).toBe(true);
    expect(await verifyPassword('pw-abcdefg', weak)).toBe(true);
    expect(needsRehash('md5$abc')).toBe(true);
  });
});
