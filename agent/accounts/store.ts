import { createHash, randomBytes } from 'node:crypto';
import { AppError } from '../../common/app-error.js';
import type { ApiRole } from '../../config/index.js';
import { type Db, withoutFsync } from '../ledger/db.js';
import { burnVerify, HashBusyError, hashPassword, needsRehash, verifyPassword } from './passwords.js';

/**
 * `pharmacist` (执业药师) is an account that signs in at a counter to be on duty (药师签到, agent/checkout/pharmacist.ts);
 * it never opens a page session: the pages are for the roles of the API (cashier, manager, technician).
 */
export type Role = ApiRole | 'pharmacist';
export const ROLES: readonly Role[] = ['cashier', 'manager', 'technician', 'pharmacist'];

export interface User {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  /** Pharmacists only: 执业药师注册证号, sent in 3505 phar_prac_cert_no. */
  pracCertNo?: string;
}

/** A user who may hold a page session. */
export type PageUser = User & { role: ApiRole };

/**
 * 执业药师注册证号: no public specification of its format was found (certificates issued by different provincial
 * authorities and years carry different layouts — digits only, or with a letter prefix), so it is accepted loosely:
 * 6–50 letters, digits or hyphens with at least 6 digits. 50 is the length of 3505 phar_prac_cert_no (sync/spec/uploads.ts).
 */
export function pracCertNoProblem(certNo: string): string | undefined {
  const v = certNo.trim();
  if (!/^[A-Za-z0-9-]{6,50}$/.test(v) || (v.match(/[0-9]/g)?.length ?? 0) < 6)
    return '执业药师注册证号格式不对：应为 6–50 位字母或数字（至少 6 位数字），请按注册证上的编号填写';
  return undefined;
}

export interface Session {
  /** SHA-256 (hex) of the cookie token; the token itself is never stored. */
  id: string;
  user: PageUser;
  expiresAt: Date;
}

/**
 * Session lifetime: a session ends after 8 h without a request (idle) and at most 12 h after sign-in
 * (absolute), which covers one cashier shift; the next shift signs in again.
 * Throttling: 5 failed sign-ins for one username, or 20 from one IP address, within 15 min lock that
 * key for 15 min from the last failure. Attempts while locked are refused without checking the password
 * (so they neither reveal it nor extend the lock). A cashier PIN is only 4–8 digits, hence the strict limit.
 */
export interface AccountLimits {
  idleMs: number;
  absoluteMs: number;
  maxFailuresPerUser: number;
  maxFailuresPerIp: number;
  windowMs: number;
  lockMs: number;
}

export const DEFAULT_LIMITS: AccountLimits = {
  idleMs: 8 * 3600_000,
  absoluteMs: 12 * 3600_000,
  maxFailuresPerUser: 5,
  maxFailuresPerIp: 20,
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
};

/** A refusal with its HTTP status and a message for the person at the counter. */
export class AccountError extends AppError {
  constructor(code: string, message: string, status: number) {
    super(code, status, message);
  }

  /** The HTTP status under its older name (callers of the store read `status`). */
  get status(): number {
    return this.statusCode;
  }
}

export type LoginResult =
  | { ok: true; user: PageUser; token: string; session: Session }
  | { ok: false; reason: 'pharmacist' }
  | { ok: false; reason: 'locked'; retryAt: Date }
  | { ok: false; reason: 'bad_credentials' }
  | { ok: false; reason: 'disabled' };

interface UserRow {
  id: number;
  username: string;
  display_name: string;
  role: Role;
  password_hash: string;
  disabled: number;
  created_at: string;
  prac_cert_no: string | null;
}

const toUser = (r: UserRow): User => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  role: r.role,
  disabled: r.disabled !== 0,
  createdAt: r.created_at,
  ...(r.prac_cert_no ? { pracCertNo: r.prac_cert_no } : {}),
});
const digest = (token: string) => createHash('sha256').update(token).digest('hex');

export const normalizeUsername = (u: string) => u.trim().toLowerCase();
const USERNAME = /^[a-z][a-z0-9_.-]{1,31}$/;

/** A cashier's password is a PIN of 4–8 digits; managers, technicians and pharmacists need at least 8 characters. */
export function passwordProblem(role: Role, password: string): string | undefined {
  if (role === 'cashier') return /^[0-9]{4,8}$/.test(password) ? undefined : '收银员的密码是 4–8 位数字 PIN';
  if (password.length < 8 || password.length > 128) return '密码长度须为 8–128 个字符';
  return undefined;
}

export class AccountStore {
  readonly limits: AccountLimits;

  constructor(
    private readonly db: Db,
    private readonly clock: () => Date = () => new Date(),
    limits: Partial<AccountLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  now(): Date {
    return this.clock();
  }

  count(): number {
    return this.db.prepare('SELECT COUNT(*) FROM users').pluck().get() as number;
  }

  list(): User[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY username').all() as UserRow[]).map(toUser);
  }

  get(username: string): User | undefined {
    const row = this.row(username);
    return row && toUser(row);
  }

  private row(username: string): UserRow | undefined {
    return this.db.prepare('SELECT * FROM users WHERE username = ?').get(normalizeUsername(username)) as UserRow | undefined;
  }

  async create(input: { username: string; displayName?: string; role: Role; password: string; pracCertNo?: string }): Promise<User> {
    const username = normalizeUsername(input.username);
    if (!USERNAME.test(username)) throw new AccountError('USERNAME_INVALID', '用户名须为 2–32 位字母、数字或 _ . -，以字母开头', 400);
    if (!ROLES.includes(input.role)) throw new AccountError('ROLE_INVALID', `未知角色：${input.role}`, 400);
    let pracCertNo: string | null = null;
    if (input.role === 'pharmacist') {
      // 3505 sends the display name as phar_name: a pharmacist needs a real one, not the username.
      if (!input.displayName?.trim()) throw new AccountError('DISPLAY_NAME_REQUIRED', '请填写执业药师的姓名（上传销售记录时作为药师姓名）', 400);
      const certProblem = pracCertNoProblem(input.pracCertNo ?? '');
      if (certProblem) throw new AccountError('PRAC_CERT_NO_INVALID', certProblem, 400);
      pracCertNo = (input.pracCertNo ?? '').trim();
    } else if (input.pracCertNo !== undefined && input.pracCertNo !== '') {
      throw new AccountError('PRAC_CERT_NO_UNEXPECTED', '只有执业药师账号填写执业药师注册证号', 400);
    }
    const problem = passwordProblem(input.role, input.password);
    if (problem) throw new AccountError('PASSWORD_WEAK', problem, 400);
    const hash = await hashPassword(input.password);
    if (this.row(username)) throw new AccountError('USER_EXISTS', `用户名 ${username} 已存在`, 409);
    const displayName = input.displayName?.trim() || username;
    this.db
      .prepare('INSERT INTO users (username, display_name, role, password_hash, disabled, created_at, prac_cert_no) VALUES (?, ?, ?, ?, 0, ?, ?)')
      .run(username, displayName, input.role, hash, this.clock().toISOString(), pracCertNo);
    return this.get(username) as User;
  }

  /** Disables the account and ends all its sessions at once. */
  disable(username: string): User {
    const row = this.row(username);
    if (!row) throw new AccountError('USER_UNKNOWN', `没有用户 ${normalizeUsername(username)}`, 404);
    this.db.transaction(() => {
      this.db.prepare('UPDATE users SET disabled = 1 WHERE id = ?').run(row.id);
      this.db.prepare('DELETE FROM sessions WHERE user_id = ?').run(row.id);
    })();
    return toUser({ ...row, disabled: 1 });
  }

  /** Sets a new password (PIN for cashiers) and ends the user's other sessions. */
  async setPassword(username: string, password: string, keepSessionId?: string): Promise<void> {
    const row = this.row(username);
    if (!row) throw new AccountError('USER_UNKNOWN', `没有用户 ${normalizeUsername(username)}`, 404);
    const problem = passwordProblem(row.role, password);
    if (problem) throw new AccountError('PASSWORD_WEAK', problem, 400);
    const hash = await hashPassword(password);
    this.db.transaction(() => {
      this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(hash, row.id);
      this.db.prepare('DELETE FROM sessions WHERE user_id = ? AND id IS NOT ?').run(row.id, keepSessionId ?? null);
    })();
  }

  /**
   * Checks a password with throttling (username and IP keys). Unknown usernames cost the same scrypt
   * work as known ones and give the same answer, so the caller cannot tell which it was.
   *
   * The attempt is reserved (written as a failure) in the same synchronous step as the lock check, before any
   * await: attempts in flight count against the limit, so 200 parallel guesses get at most `maxFailuresPerUser`
   * password checks and the rest 429 (issue 15: checking the lock before scrypt and recording the failure after
   * it let every parallel request through). A success removes its reservation (and the user's failures).
   */
  async verify(username: string, password: string, ip: string): Promise<{ ok: true; user: User } | Exclude<LoginResult, { ok: true }>> {
    const name = normalizeUsername(username);
    const retryAt = this.lockedUntil(name, ip);
    if (retryAt) return { ok: false, reason: 'locked', retryAt };
    const reservation = this.reserve([`user:${name}`, `ip:${ip}`]);
    const row = this.row(name);
    let good: boolean;
    try {
      good = row ? await verifyPassword(password, row.password_hash) : await burnVerify(password);
    } catch (err) {
      this.release(reservation); // not checked: not an attempt
      if (err instanceof HashBusyError) throw new AccountError('LOGIN_BUSY', '登录请求过多，系统正忙：请稍等几秒后再登录', 503);
      throw err;
    }
    if (!row || !good) return { ok: false, reason: 'bad_credentials' };
    this.release(reservation);
    if (row.disabled) return { ok: false, reason: 'disabled' };
    this.db.prepare('DELETE FROM login_attempts WHERE key = ?').run(`user:${name}`);
    if (needsRehash(row.password_hash)) this.db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(await hashPassword(password), row.id);
    return { ok: true, user: toUser(row) };
  }

  async login(username: string, password: string, meta: { ip: string; userAgent?: string }): Promise<LoginResult> {
    const v = await this.verify(username, password, meta.ip);
    if (!v.ok) return v;
    if (v.user.role === 'pharmacist') return { ok: false, reason: 'pharmacist' };
    const user = v.user as PageUser;
    const now = this.clock();
    const token = randomBytes(32).toString('base64url');
    const id = digest(token);
    const expiresAt = new Date(now.getTime() + this.limits.absoluteMs);
    this.db.transaction(() => {
      this.expire();
      this.db
        .prepare('INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(id, user.id, now.toISOString(), now.toISOString(), expiresAt.toISOString(), meta.ip, meta.userAgent?.slice(0, 300) ?? null);
    })();
    return { ok: true, user, token, session: { id, user, expiresAt } };
  }

  /** The live session for a cookie token (and marks it used), or undefined when unknown, expired or its user disabled. */
  session(token: string): Session | undefined {
    if (!token || token.length > 200) return undefined;
    const id = digest(token);
    const row = this.db.prepare('SELECT s.last_seen_at, s.expires_at, u.* FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?').get(id) as
      | (UserRow & { last_seen_at: string; expires_at: string })
      | undefined;
    if (!row || row.disabled || row.role === 'pharmacist') return undefined;
    const now = this.clock().getTime();
    const lastSeen = Date.parse(row.last_seen_at);
    const expiresAt = new Date(row.expires_at);
    if (now >= expiresAt.getTime() || now - lastSeen >= this.limits.idleMs) {
      this.db.prepare('DELETE FROM sessions WHERE id = ?').run(id);
      return undefined;
    }
    // Losing a last-seen mark in a power cut only shortens an idle session: no fsync for it.
    if (now - lastSeen >= 60_000)
      withoutFsync(this.db, () => this.db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id = ?').run(new Date(now).toISOString(), id));
    return { id, user: toUser(row) as PageUser, expiresAt };
  }

  revoke(sessionId: string): void {
    this.db.prepare('DELETE FROM sessions WHERE id = ?').run(sessionId);
  }

  /** Removes sessions past their idle or absolute limit, and failed attempts older than a day. */
  expire(): void {
    const now = this.clock().getTime();
    this.db
      .prepare('DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?')
      .run(new Date(now).toISOString(), new Date(now - this.limits.idleMs).toISOString());
    this.db.prepare('DELETE FROM login_attempts WHERE at < ?').run(new Date(now - 24 * 3600_000).toISOString());
  }

  /**
   * When a locked username or IP may try again, or undefined when neither is locked: a key is locked for
   * `lockMs` from the failure that made `max` failures within `windowMs`.
   */
  lockedUntil(username: string, ip: string): Date | undefined {
    const now = this.clock().getTime();
    const since = new Date(now - this.limits.windowMs - this.limits.lockMs).toISOString();
    let until: number | undefined;
    for (const [key, max] of [
      [`user:${normalizeUsername(username)}`, this.limits.maxFailuresPerUser],
      [`ip:${ip}`, this.limits.maxFailuresPerIp],
    ] as const) {
      const times = (this.db.prepare('SELECT at FROM login_attempts WHERE key = ? AND at > ? ORDER BY at').pluck().all(key, since) as string[]).map(Date.parse);
      for (let i = max - 1; i < times.length; i++) {
        const last = times[i] as number;
        if (last - (times[i - max + 1] as number) < this.limits.windowMs && last + this.limits.lockMs > now)
          until = Math.max(until ?? 0, last + this.limits.lockMs);
      }
    }
    return until === undefined ? undefined : new Date(until);
  }

  /** Writes one attempt per key now, as a failure unless released; returns the rows to release. */
  private reserve(keys: string[]): number[] {
    const at = this.clock().toISOString();
    const insert = this.db.prepare('INSERT INTO login_attempts (key, at) VALUES (?, ?)');
    return this.db.transaction(() => keys.map((k) => Number(insert.run(k, at).lastInsertRowid)))();
  }

  private release(rows: number[]): void {
    const del = this.db.prepare('DELETE FROM login_attempts WHERE rowid = ?');
    this.db.transaction(() => rows.forEach((r) => del.run(r)))();
  }
}
