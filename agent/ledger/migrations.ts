import { randomBytes } from 'node:crypto';
import type { Db } from './db.js';

/**
 * Versioned schema. Append new migrations; never edit a shipped one.
 * Projection tables (products, lots, trace_codes, ...) are derived from `events`;
 * `events` itself is append-only, enforced by triggers.
 */
/** First line of a migration that rebuilds a referenced table: run with foreign keys off, checked before commit. */
const FOREIGN_KEYS_OFF = '-- migrate: foreign_keys off';

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    type TEXT NOT NULL,
    actor TEXT,
    reason TEXT,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
  );
  CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'ledger events are append-only: UPDATE refused; record a correction event instead'); END;
  CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'ledger events are append-only: DELETE refused; record a correction event instead'); END;

  CREATE TABLE products (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    spec TEXT NOT NULL,
    manufacturer TEXT NOT NULL,
    approval_no TEXT NOT NULL,
    nhsa_code TEXT NOT NULL,
    barcode TEXT,
    trace_prefix TEXT,
    gtin TEXT,
    rx INTEGER NOT NULL,
    insured INTEGER NOT NULL,
    category TEXT NOT NULL,
    pieces_per_pack INTEGER NOT NULL CHECK (pieces_per_pack > 0),
    price_per_pack INTEGER NOT NULL CHECK (price_per_pack >= 0),
    trace_exempt INTEGER NOT NULL,
    max_daily_pieces INTEGER,
    updated_seq INTEGER NOT NULL REFERENCES events(seq)
  );
  CREATE INDEX products_trace_prefix ON products(trace_prefix);
  CREATE INDEX products_gtin ON products(gtin);
  CREATE INDEX products_barcode ON products(barcode);

  CREATE TABLE suppliers (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);

  CREATE TABLE receipts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('purchase', 'opening')),
    event_seq INTEGER NOT NULL REFERENCES events(seq),
    supplier_id INTEGER REFERENCES suppliers(id),
    invoice_no TEXT,
    delivery_note_no TEXT,
    procurement_order_no TEXT,
    filing_ref TEXT,
    received_at TEXT NOT NULL
  );

  CREATE TABLE lots (
    id INTEGER PRIMARY KEY,
    receipt_id INTEGER NOT NULL REFERENCES receipts(id),
    line_no INTEGER NOT NULL,
    product_id TEXT NOT NULL REFERENCES products(id),
    lot_no TEXT NOT NULL,
    mfg_date TEXT,
    expiry TEXT NOT NULL,
    bchno TEXT NOT NULL UNIQUE,
    coded INTEGER NOT NULL,
    pieces_received INTEGER NOT NULL CHECK (pieces_received >= 0),
    pieces_on_hand INTEGER NOT NULL CHECK (pieces_on_hand >= 0),
    price_per_pack INTEGER NOT NULL,
    UNIQUE (receipt_id, line_no)
  );
  CREATE INDEX lots_product_expiry ON lots(product_id, expiry);

  -- One row per box. Small on purpose (DESIGN: <= 120 bytes per code at 10M codes):
  -- state is an integer (see tracecodes.ts), received_seq ties the code to the event that brought it in.
  CREATE TABLE trace_codes (
    code TEXT PRIMARY KEY,
    lot_id INTEGER NOT NULL REFERENCES lots(id),
    pieces INTEGER NOT NULL CHECK (pieces > 0),
    pieces_sold INTEGER NOT NULL DEFAULT 0 CHECK (pieces_sold >= 0 AND pieces_sold <= pieces),
    state INTEGER NOT NULL,
    received_seq INTEGER NOT NULL
  ) WITHOUT ROWID;

  -- Durable outbox to the provincial platform, written in the same transaction as the event it reports.
  -- The message itself is mapped from the event at send time (sync/), so a code is stored once.
  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    event_seq INTEGER NOT NULL REFERENCES events(seq),
    infno TEXT NOT NULL,
    record_key TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_error TEXT,
    sent_at TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (event_seq, infno, record_key)
  );
  CREATE INDEX outbox_status ON outbox(status, id);
  `,
  // 2: the outbox worker sends records of one key in order: find a key's earlier unsent rows fast.
  `
  CREATE INDEX outbox_record_key ON outbox(record_key, id);
  `,
  // 3: sales. An open sale is work in progress (mutable rows); settling and reversing are ledger events.
  `
  CREATE TABLE sales (
    id INTEGER PRIMARY KEY,
    counter TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'settling', 'settled', 'voided', 'reversed')),
    opened_at TEXT NOT NULL,
    opened_by TEXT,
    first_scan_at TEXT,
    payment TEXT CHECK (payment IN ('insurance', 'self_pay')),
    chronic_disease TEXT,
    psn_no TEXT,
    person TEXT,
    prescription TEXT,
    consents TEXT NOT NULL DEFAULT '[]',
    settle_msgid TEXT UNIQUE,
    settlement TEXT,
    settled_at TEXT,
    settled_seq INTEGER REFERENCES events(seq),
    reversed_seq INTEGER REFERENCES events(seq),
    updated_at TEXT NOT NULL
  );
  CREATE INDEX sales_status ON sales(status);
  CREATE INDEX sales_psn ON sales(psn_no, status);

  CREATE TABLE sale_items (
    id INTEGER PRIMARY KEY,
    sale_id INTEGER NOT NULL REFERENCES sales(id),
    product_id TEXT NOT NULL REFERENCES products(id),
    code TEXT,
    raw_code TEXT,
    lot_id INTEGER REFERENCES lots(id),
    pieces INTEGER NOT NULL CHECK (pieces > 0),
    split INTEGER NOT NULL,
    price INTEGER NOT NULL CHECK (price >= 0),
    removed INTEGER NOT NULL DEFAULT 0,
    added_at TEXT NOT NULL
  );
  CREATE INDEX sale_items_sale ON sale_items(sale_id);
  CREATE INDEX sale_items_code ON sale_items(code) WHERE code IS NOT NULL;
  CREATE INDEX sale_items_lot ON sale_items(lot_id) WHERE lot_id IS NOT NULL;

  -- Every refusal the cashier saw, kept as evidence of what the box stopped.
  CREATE TABLE sale_refusals (
    id INTEGER PRIMARY KEY,
    sale_id INTEGER NOT NULL REFERENCES sales(id),
    at TEXT NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    item_id INTEGER,
    scanned TEXT
  );
  CREATE INDEX sale_refusals_sale ON sale_refusals(sale_id);
  `,
  // 4: the 2103 msgid of a refund, stored before the call: a retry after a lost answer repeats the same
  // msgid, and the platform answers it again instead of refusing a "second" reversal.
  `
  ALTER TABLE sales ADD COLUMN reverse_msgid TEXT;
  `,
  // 5: the counter snapshot taken at settlement (path and sha256), part of the sale's evidence.
  `
  ALTER TABLE sales ADD COLUMN snapshot TEXT;
  `,
  // 6: local user accounts (scrypt password/PIN hashes), sign-in sessions (only the SHA-256 of the
  // cookie token is stored) and failed sign-in attempts for throttling. Not ledger events: a session
  // is not evidence, and a stolen database must not hold usable cookies.
  `
  CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('cashier', 'manager', 'technician')),
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
  );
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    ip TEXT,
    user_agent TEXT
  );
  CREATE INDEX sessions_user ON sessions(user_id);
  CREATE TABLE login_attempts (key TEXT NOT NULL, at TEXT NOT NULL);
  CREATE INDEX login_attempts_key ON login_attempts(key, at);
  `,
  // 7: the platform's 疑点 (suspicious items, pulled with 3601) and the manager's answers. Both are
  // evidence: an item is kept as the platform sent it, an answer is never replaced (a new one is added).
  // Also an index for the manager's reports, which read a period's events by type and time: without it each
  // report scans the whole event log while the counter waits (better-sqlite3 is synchronous).
  `
  CREATE INDEX events_type_at ON events(type, at);
  CREATE TABLE suspicious_items (
    item_id TEXT PRIMARY KEY,
    audit_date TEXT NOT NULL,
    rule TEXT NOT NULL,
    rule_name TEXT NOT NULL,
    detail TEXT NOT NULL,
    psn_no TEXT,
    setl_id TEXT,
    amount_fen INTEGER,
    sale_id INTEGER REFERENCES sales(id),
    pulled_at TEXT NOT NULL
  );
  CREATE INDEX suspicious_items_date ON suspicious_items(audit_date);
  CREATE TRIGGER suspicious_items_keep_update BEFORE UPDATE ON suspicious_items
    BEGIN SELECT RAISE(ABORT, 'suspicious items are kept as the platform sent them: UPDATE refused'); END;
  CREATE TRIGGER suspicious_items_keep_delete BEFORE DELETE ON suspicious_items
    BEGIN SELECT RAISE(ABORT, 'suspicious items are kept as the platform sent them: DELETE refused'); END;
  CREATE TABLE suspicious_answers (
    id INTEGER PRIMARY KEY,
    item_id TEXT NOT NULL REFERENCES suspicious_items(item_id),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    text TEXT NOT NULL
  );
  CREATE INDEX suspicious_answers_item ON suspicious_answers(item_id, id);
  CREATE TRIGGER suspicious_answers_append_only_update BEFORE UPDATE ON suspicious_answers
    BEGIN SELECT RAISE(ABORT, 'answers are append-only: UPDATE refused; add a new answer instead'); END;
  CREATE TRIGGER suspicious_answers_append_only_delete BEFORE DELETE ON suspicious_answers
    BEGIN SELECT RAISE(ABORT, 'answers are append-only: DELETE refused; add a new answer instead'); END;
  -- Days pulled, when last, and how many items the platform listed for each.
  CREATE TABLE suspicious_pulls (audit_date TEXT PRIMARY KEY, pulled_at TEXT NOT NULL, items INTEGER NOT NULL);
  `,
  // 8: stocktakes (盘点): the pieces counted per lot next to the book stock at that moment. A record of what
  // was counted, not a stock movement: the book changes only through stock.adjusted events. `book_seq` is the
  // last ledger event when the count was recorded, so "adjustments after the count" is exact (by event order,
  // not by clock). Kept as counted: a recount is a new stocktake.
  `
  CREATE TABLE stocktakes (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT,
    note TEXT,
    book_seq INTEGER NOT NULL
  );
  CREATE INDEX stocktakes_at ON stocktakes(at);
  CREATE TABLE stocktake_lines (
    stocktake_id INTEGER NOT NULL REFERENCES stocktakes(id),
    lot_id INTEGER NOT NULL REFERENCES lots(id),
    product_id TEXT NOT NULL REFERENCES products(id),
    book_pieces INTEGER NOT NULL CHECK (book_pieces >= 0),
    counted_pieces INTEGER NOT NULL CHECK (counted_pieces >= 0),
    PRIMARY KEY (stocktake_id, lot_id)
  ) WITHOUT ROWID;
  CREATE INDEX stocktake_lines_lot ON stocktake_lines(lot_id, stocktake_id);
  -- A lot's boxes on the shelf (the stocktake's 未盘到 list) without scanning every code ever received:
  -- partial, so it holds only the codes in stock now (a few thousand), not the 10M sold over the years.
  CREATE INDEX trace_codes_lot_in_stock ON trace_codes(lot_id) WHERE state = 0;
  CREATE TRIGGER stocktakes_append_only_update BEFORE UPDATE ON stocktakes
    BEGIN SELECT RAISE(ABORT, 'stocktakes are append-only: UPDATE refused; record a new stocktake instead'); END;
  CREATE TRIGGER stocktakes_append_only_delete BEFORE DELETE ON stocktakes
    BEGIN SELECT RAISE(ABORT, 'stocktakes are append-only: DELETE refused; record a new stocktake instead'); END;
  CREATE TRIGGER stocktake_lines_append_only_update BEFORE UPDATE ON stocktake_lines
    BEGIN SELECT RAISE(ABORT, 'stocktake lines are append-only: UPDATE refused; record a new stocktake instead'); END;
  CREATE TRIGGER stocktake_lines_append_only_delete BEFORE DELETE ON stocktake_lines
    BEGIN SELECT RAISE(ABORT, 'stocktake lines are append-only: DELETE refused; record a new stocktake instead'); END;
  `,
  // 9: msgid sequence reservations (sync/msgid.ts), until now created by the allocator itself: IF NOT EXISTS
  // keeps the counters of a file that already has the table, so no msgid is ever issued twice.
  `
  CREATE TABLE IF NOT EXISTS platform_msgid_seq (second TEXT PRIMARY KEY, last INTEGER NOT NULL);
  `,
  // Why and by whom an open sale was voided (作废): the cashier, a new sale replacing it, or the idle timeout.
  `
  ALTER TABLE sales ADD COLUMN void_reason TEXT;
  ALTER TABLE sales ADD COLUMN voided_by TEXT;
  `,
  // 11: replication to the chain HQ (sync/hq/). The events table is the queue; this single row is the cursor: the
  // last seq HQ acknowledged (HQ's head is the truth; this copy only says where to resume and how far behind the
  // box is), the credential obtained by enrolment, and the last outcome for the health report.
  `
  CREATE TABLE hq_replication (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    credential TEXT,
    acked_seq INTEGER NOT NULL DEFAULT 0,
    acked_hash TEXT,
    last_ok_at TEXT,
    last_error TEXT,
    last_error_at TEXT
  );
  INSERT INTO hq_replication (id) VALUES (1);
  `,
  // 12: a refund (退费) under way: who asked, when and why, written with its 2103 msgid (reverse_msgid) before
  // 2103 is sent. While set on a settled sale the refund's outcome is unknown (answer lost, crash): the recovery
  // pass re-sends the same 2103 until the platform answers. Cleared when the refund is recorded or refused.
  `
  ALTER TABLE sales ADD COLUMN reversing TEXT;
  CREATE INDEX sales_reversing ON sales(id) WHERE reversing IS NOT NULL;
  `,
  // 13: 平台核对 — the latest read-back of a day from the platform (3512/3513) and what it found, so 上传完整 can
  // cite the platform's own view after a restart and the re-send knows what was missing. Replaced by the next
  // read-back of the same day (a read, not a ledger fact).
  `
  CREATE TABLE platform_readbacks (
    date TEXT PRIMARY KEY,
    read_at TEXT NOT NULL,
    result TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
  // 14: transfers between stores of a chain (调拨, agent/ledger/transfers.ts). `receipts.kind` gains 'transfer' (a
  // lot received from another store has no supplier or invoice): SQLite cannot alter a CHECK, so the table is
  // rebuilt (SQLite's documented 12-step procedure; FOREIGN_KEYS_OFF makes migrate() switch foreign keys off around
  // it and run foreign_key_check before commit). `transfers` holds both directions: 'out' as shipped here, 'in' the
  // manifest HQ handed us (a cache of HQ's copy until received); `transfer_codes` answers "is this box in transit?".
  `${FOREIGN_KEYS_OFF}
  CREATE TABLE receipts_new (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('purchase', 'opening', 'transfer')),
    event_seq INTEGER NOT NULL REFERENCES events(seq),
    supplier_id INTEGER REFERENCES suppliers(id),
    invoice_no TEXT,
    delivery_note_no TEXT,
    procurement_order_no TEXT,
    filing_ref TEXT,
    received_at TEXT NOT NULL
  );
  INSERT INTO receipts_new SELECT id, kind, event_seq, supplier_id, invoice_no, delivery_note_no, procurement_order_no, filing_ref, received_at FROM receipts;
  DROP TABLE receipts;
  ALTER TABLE receipts_new RENAME TO receipts;
  CREATE TABLE transfers (
    transfer_id TEXT PRIMARY KEY,
    direction TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    peer_store TEXT NOT NULL,
    peer_name TEXT,
    shipped_at TEXT NOT NULL,
    manifest TEXT NOT NULL,
    boxes INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('in_transit', 'received')),
    shipped_seq INTEGER REFERENCES events(seq),
    received_seq INTEGER REFERENCES events(seq),
    received_at TEXT,
    discrepancy TEXT,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX transfers_status ON transfers(direction, status);
  CREATE TABLE transfer_codes (
    code TEXT NOT NULL,
    transfer_id TEXT NOT NULL REFERENCES transfers(transfer_id),
    PRIMARY KEY (code, transfer_id)
  ) WITHOUT ROWID;
  `,
  // 15: the chain-wide code check (issue 17). chain_check on a line scanned with an HQ configured: 'ok' (HQ
  // answered, no other store has the box out), 'unchecked' (HQ down, slow or garbled: sold without the answer,
  // rechecked when HQ is back), 'conflict' (the recheck found the box sold at another store). NULL: no HQ.
  // chain_alarms: a box sold here and at another store, found late (by the recheck or by HQ at ingest); the
  // manager sees it until they mark it checked. hq_replication.conflicts_after: the last HQ conflict id taken.
  `
  ALTER TABLE sale_items ADD COLUMN chain_check TEXT CHECK (chain_check IN ('ok', 'unchecked', 'conflict'));
  CREATE INDEX sale_items_chain_unchecked ON sale_items(id) WHERE chain_check = 'unchecked';
  CREATE TABLE chain_alarms (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    other_store TEXT NOT NULL,
    other_store_name TEXT,
    other_sold_at TEXT,
    sale_id INTEGER REFERENCES sales(id),
    source TEXT NOT NULL CHECK (source IN ('recheck', 'hq')),
    detected_at TEXT NOT NULL,
    resolved_at TEXT,
    resolved_by TEXT,
    UNIQUE (code, other_store)
  );
  ALTER TABLE hq_replication ADD COLUMN conflicts_after INTEGER NOT NULL DEFAULT 0;
  `,
  // 16: pharmacists (执业药师) as accounts with their 执业药师注册证号, and who is on duty (药师在岗): one row per
  // counter where a pharmacist signed in, and one for the store ('store', the manager's shift pharmacist). Kept in
  // the database so a restart keeps the shift. The users table is rebuilt (SQLite cannot change a CHECK) as its
  // documented procedure says; FOREIGN_KEYS_OFF makes migrate() run it with foreign keys off and check them before commit.
  `${FOREIGN_KEYS_OFF}
  CREATE TABLE users_new (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('cashier', 'manager', 'technician', 'pharmacist')),
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    prac_cert_no TEXT,
    CHECK ((role = 'pharmacist') = (prac_cert_no IS NOT NULL))
  );
  INSERT INTO users_new (id, username, display_name, role, password_hash, disabled, created_at)
    SELECT id, username, display_name, role, password_hash, disabled, created_at FROM users;
  DROP TABLE users;
  ALTER TABLE users_new RENAME TO users;
  CREATE TABLE pharmacist_duty (
    scope TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    since TEXT NOT NULL,
    set_by TEXT
  );
  `,
];

export function migrate(db: Db): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TEXT NOT NULL)');
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  const current = row.v ?? 0;
  if (current > MIGRATIONS.length) {
    throw new Error(`ledger schema version ${current} is newer than this program knows (${MIGRATIONS.length}); upgrade counter-agent`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    const sql = MIGRATIONS[v] as string;
    // PRAGMA foreign_keys is a no-op inside a transaction, so it is switched around it (sqlite.org/lang_altertable.html).
    const fkOff = sql.startsWith(FOREIGN_KEYS_OFF);
    if (fkOff) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        db.exec(sql);
        if (fkOff && (db.pragma('foreign_key_check') as unknown[]).length > 0) throw new Error(`ledger migration ${v + 1} left broken foreign keys`);
        if (v === 0) db.prepare("INSERT INTO meta (key, value) VALUES ('ledger_id', ?)").run(randomBytes(4).toString('hex'));
        db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)').run(v + 1, new Date().toISOString());
      })();
    } finally {
      if (fkOff) db.pragma('foreign_keys = ON');
    }
  }
}

export const SCHEMA_VERSION = MIGRATIONS.length;

/** The ledger file's random id, written by the first migration; constant for the life of the file. */
export function readLedgerId(db: Db): string {
  return db.prepare("SELECT value FROM meta WHERE key = 'ledger_id'").pluck().get() as string;
}
