// The simulator's own SQLite state. Versioned by PRAGMA user_version: append migrations, never edit one.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type SimDb = Database.Database;

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE stores (fixmedins_code TEXT PRIMARY KEY, name TEXT NOT NULL, admdvs TEXT NOT NULL);
  CREATE TABLE drugs (med_list_codg TEXT PRIMARY KEY, name TEXT NOT NULL, max_daily_pieces INTEGER NOT NULL);
  CREATE TABLE procurement_orders (order_no TEXT PRIMARY KEY, fixmedins_code TEXT NOT NULL, order_date TEXT NOT NULL);
  CREATE TABLE procurement_lines (
    order_no TEXT NOT NULL REFERENCES procurement_orders(order_no),
    med_list_codg TEXT NOT NULL,
    PRIMARY KEY (order_no, med_list_codg)
  );
  CREATE TABLE persons (
    psn_no TEXT PRIMARY KEY, psn_name TEXT NOT NULL, gend TEXT NOT NULL, naty TEXT NOT NULL,
    certno TEXT NOT NULL UNIQUE, brdy TEXT NOT NULL, evoucher_token TEXT NOT NULL UNIQUE, card_no TEXT NOT NULL UNIQUE,
    insutype TEXT NOT NULL, psn_type TEXT NOT NULL, emp_name TEXT NOT NULL, insuplc_admdvs TEXT NOT NULL,
    balc_fen INTEGER NOT NULL CHECK (balc_fen >= 0)
  );
  CREATE TABLE chronic_diseases (code TEXT PRIMARY KEY, name TEXT NOT NULL);
  CREATE TABLE chronic_disease_drugs (code TEXT NOT NULL, med_list_codg TEXT NOT NULL, PRIMARY KEY (code, med_list_codg));
  CREATE TABLE person_diseases (psn_no TEXT NOT NULL, code TEXT NOT NULL, PRIMARY KEY (psn_no, code));

  CREATE TABLE sign_ins (
    sign_no TEXT PRIMARY KEY, fixmedins_code TEXT NOT NULL, opter_no TEXT NOT NULL,
    sign_date TEXT NOT NULL, signed_at TEXT NOT NULL, valid INTEGER NOT NULL DEFAULT 1
  );
  -- Responses of non-idempotent calls, replayed verbatim for a repeated msgid.
  CREATE TABLE messages (
    msgid TEXT PRIMARY KEY, infno TEXT NOT NULL, fixmedins_code TEXT NOT NULL,
    received_at TEXT NOT NULL, infcode INTEGER NOT NULL, response TEXT NOT NULL
  );
  CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);

  CREATE TABLE settlements (
    setl_id TEXT PRIMARY KEY, mdtrt_id TEXT NOT NULL, msgid TEXT NOT NULL UNIQUE,
    fixmedins_code TEXT NOT NULL, psn_no TEXT NOT NULL, med_type TEXT NOT NULL, insutype TEXT NOT NULL,
    medfee_sumamt_fen INTEGER NOT NULL, fund_pay_fen INTEGER NOT NULL, acct_pay_fen INTEGER NOT NULL,
    cash_pay_fen INTEGER NOT NULL, balc_after_fen INTEGER NOT NULL,
    setl_at TEXT NOT NULL,      -- UTC ISO-8601
    setl_date TEXT NOT NULL,    -- Asia/Shanghai yyyy-MM-dd
    reversed_at TEXT, reversal_setl_id TEXT, reversal_msgid TEXT
  );
  CREATE INDEX settlements_psn ON settlements (psn_no, setl_date);
  CREATE INDEX settlements_date ON settlements (setl_date, fixmedins_code);
  CREATE TABLE settlement_items (
    setl_id TEXT NOT NULL REFERENCES settlements(setl_id), feedetl_sn TEXT NOT NULL,
    med_list_codg TEXT NOT NULL, cnt INTEGER NOT NULL, amount_fen INTEGER NOT NULL, covered_days INTEGER NOT NULL,
    PRIMARY KEY (setl_id, feedetl_sn)
  );
  CREATE INDEX settlement_items_drug ON settlement_items (med_list_codg);
  CREATE TABLE settled_codes (
    drug_trac_codg TEXT NOT NULL, setl_id TEXT NOT NULL REFERENCES settlements(setl_id),
    fixmedins_code TEXT NOT NULL, trdn_flag TEXT NOT NULL, released INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (drug_trac_codg, setl_id)
  );
  CREATE INDEX settled_codes_live ON settled_codes (drug_trac_codg) WHERE released = 0;

  CREATE TABLE uploads (
    fixmedins_code TEXT NOT NULL, infno TEXT NOT NULL, fixmedins_bchno TEXT NOT NULL,
    payload TEXT NOT NULL, first_msgid TEXT NOT NULL, received_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    upload_count INTEGER NOT NULL DEFAULT 1, deleted_at TEXT,
    PRIMARY KEY (fixmedins_code, infno, fixmedins_bchno)
  );

  CREATE TABLE audit_runs (audit_date TEXT PRIMARY KEY, ran_at TEXT NOT NULL);
  CREATE TABLE audit_items (
    item_id TEXT PRIMARY KEY, fixmedins_code TEXT NOT NULL, audit_date TEXT NOT NULL,
    rule TEXT NOT NULL, rule_name TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL,
    psn_no TEXT, setl_id TEXT, amount_fen INTEGER,
    UNIQUE (fixmedins_code, audit_date, rule, subject)
  );
  `,
  // 2: a 2601 that arrives before its 2102 (the box gave up waiting, the request was still on the wire)
  // leaves a mark, so the late 2102 is refused instead of charging a sale the box has reopened.
  `
  CREATE TABLE reversed_msgids (msgid TEXT PRIMARY KEY, fixmedins_code TEXT NOT NULL, reversed_at TEXT NOT NULL);
  `,
];

function migrate(db: SimDb): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`simulator database schema version ${current} is newer than this program (${MIGRATIONS.length})`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

export function openSimulatorDb(path: string): SimDb {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

/** Next value of a named counter (setl_id, sign_no, ...), inside the caller's transaction. */
export function nextCounter(db: SimDb, name: string): number {
  const row = db
    .prepare<[string], { value: number }>('INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value')
    .get(name);
  return row!.value;
}
