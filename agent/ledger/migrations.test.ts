import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AMOX, HERB, receipt } from '../../test/fixtures.js';
import { tempDir } from '../../test/helpers.js';
import { AccountStore } from '../accounts/store.js';
import { ReceivingService } from '../receiving/service.js';
import { Ledger } from './index.js';
import { SCHEMA_VERSION } from './migrations.js';

const at = new Date('2026-11-22T02:00:00Z');
let dir: { dir: string; cleanup: () => void };
let path: string;

beforeEach(() => {
  dir = tempDir();
  path = join(dir.dir, 'ledger.db');
});
afterEach(() => dir.cleanup());

/**
 * Turns the file back into what version 8 left: schema_version stops at 8, and the msgid table exists only
 * if the old allocator (sync/msgid.ts, which created it itself) ever ran on the file.
 */
function downgradeToVersion8(opts: { allocatorRan: boolean }): void {
  const db = new Database(path);
  db.prepare('DELETE FROM schema_version WHERE version > 8').run();
  if (!opts.allocatorRan) db.exec('DROP TABLE platform_msgid_seq');
  // What the migrations after 9 added is taken away too, so the upgrade runs them as on a real version-8 file:
  // 10 (sales.void_reason, voided_by), 11 (hq_replication), 12 (sales.reversing and its index), 13 (platform_readbacks),
  // 14 (transfers; the rebuilt receipts table stays: rebuilding it again on upgrade is what a real version-12 file goes through),
  // 15 (sale_items.chain_check and its index, chain_alarms, hq_replication.conflicts_after), 16 (pharmacist_duty; users back
  // to three roles without prac_cert_no).
  db.exec(`DROP INDEX sale_items_chain_unchecked; ALTER TABLE sale_items DROP COLUMN chain_check; DROP TABLE chain_alarms;
    DROP INDEX sales_reversing; ALTER TABLE sales DROP COLUMN reversing; ALTER TABLE sales DROP COLUMN void_reason;
    ALTER TABLE sales DROP COLUMN voided_by; DROP TABLE hq_replication; DROP TABLE platform_readbacks; DROP TABLE transfer_codes; DROP TABLE transfers;`);
  db.pragma('foreign_keys = OFF');
  db.exec(`DROP TABLE pharmacist_duty;
    CREATE TABLE users_old (id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('cashier', 'manager', 'technician')), password_hash TEXT NOT NULL,
      disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL);
    INSERT INTO users_old SELECT id, username, display_name, role, password_hash, disabled, created_at FROM users;
    DROP TABLE users; ALTER TABLE users_old RENAME TO users;`);
  db.close();
}

describe('ledger migrations', () => {
  it('upgrades a version-8 file that has msgid counters and outbox rows, keeping both', () => {
    const old = Ledger.open(path);
    old.catalog.importProducts([AMOX, HERB], { at });
    expect(new ReceivingService(old, {}, () => at).receive(receipt()).ok).toBe(true);
    old.msgids.reserve((c) => c.raise('20261122100000', 50));
    old.outbox.record([{ id: 1, result: 'sent' }], at);
    const outboxBefore = old.db.prepare('SELECT * FROM outbox ORDER BY id').all();
    const receiptsBefore = old.db.prepare('SELECT * FROM receipts ORDER BY id').all();
    expect(outboxBefore.length).toBeGreaterThan(0);
    old.close();
    downgradeToVersion8({ allocatorRan: true });

    const upgraded = Ledger.open(path);
    try {
      expect(upgraded.db.prepare('SELECT MAX(version) FROM schema_version').pluck().get()).toBe(SCHEMA_VERSION);
      expect(upgraded.db.prepare('SELECT * FROM outbox ORDER BY id').all()).toEqual(outboxBefore);
      // Migration 13 rebuilt receipts (kind 'transfer'): its rows, the lots pointing at them and foreign keys survive.
      expect(upgraded.db.prepare('SELECT * FROM receipts ORDER BY id').all()).toEqual(receiptsBefore);
      expect(upgraded.db.pragma('foreign_key_check')).toEqual([]);
      expect(upgraded.db.pragma('foreign_keys', { simple: true })).toBe(1);
      // The counter carries on: the next reservation starts after what the old file had handed out.
      expect(upgraded.msgids.reserve((c) => c.last('20261122100000'))).toBe(50);
      expect(upgraded.outbox.due(at, 10).map((r) => r.id)).not.toContain(1);
    } finally {
      upgraded.close();
    }
  });

  it('upgrades the users table to pharmacists keeping accounts and their sign-in sessions', async () => {
    const old = Ledger.open(path);
    const accounts = new AccountStore(old.db, () => at);
    await accounts.create({ username: 'zhang', role: 'cashier', password: '1234' });
    const login = await accounts.login('zhang', '1234', { ip: '127.0.0.1' });
    old.close();
    downgradeToVersion8({ allocatorRan: true });

    const upgraded = Ledger.open(path);
    try {
      const after = new AccountStore(upgraded.db, () => at);
      expect(login.ok && after.session(login.token)?.user.username).toBe('zhang');
      await after.create({ username: 'wang', displayName: '王药师', role: 'pharmacist', password: 'pharm-pass-1', pracCertNo: '44010120200123' });
      expect(after.get('wang')).toMatchObject({ role: 'pharmacist', pracCertNo: '44010120200123' });
      expect(upgraded.db.pragma('foreign_key_check')).toEqual([]);
      expect(upgraded.db.pragma('foreign_keys', { simple: true })).toBe(1);
    } finally {
      upgraded.close();
    }
  });

  it('creates the msgid table for a version-8 file that never talked to the platform', () => {
    Ledger.open(path).close();
    downgradeToVersion8({ allocatorRan: false });
    const upgraded = Ledger.open(path);
    try {
      expect(upgraded.msgids.reserve((c) => c.last('20261122100000'))).toBeUndefined();
      upgraded.msgids.reserve((c) => c.raise('20261122100000', 50));
      expect(upgraded.db.prepare('SELECT last FROM platform_msgid_seq').pluck().all()).toEqual([50]);
    } finally {
      upgraded.close();
    }
  });
});
