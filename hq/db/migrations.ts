import type pg from 'pg';

/**
 * HQ schema, versioned: append new migrations, never edit a shipped one.
 *
 * Scale-out rules (so the same schema runs on Citus later, distributed by store):
 * - every table's primary key contains `store_id` (the distribution column; Citus needs it in every unique key);
 * - no foreign key or unique constraint that crosses stores;
 * - events are range-partitioned by month of the event's time (`at`), partitions created ahead by the service
 *   (partitions.ts); a DEFAULT partition takes what falls outside (a box with a wild clock) so ingest never fails.
 * Hashes are bytea (32 bytes, not 64 hex characters): billions of rows. `prev_hash` is not stored: it is the
 * hash of the store's previous event, checked at ingest.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE stores (
    store_id text PRIMARY KEY,
    name text,
    created_at timestamptz NOT NULL DEFAULT now(),
    head_seq bigint NOT NULL DEFAULT 0,
    head_hash bytea NOT NULL DEFAULT decode(repeat('00', 32), 'hex'),
    head_at timestamptz,
    last_contact_at timestamptz,
    flag_code text,
    flag_seq bigint,
    flag_detail text,
    flagged_at timestamptz
  );

  CREATE TABLE enrol_codes (
    store_id text NOT NULL REFERENCES stores (store_id),
    code_hash bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    PRIMARY KEY (store_id, code_hash)
  );

  CREATE TABLE credentials (
    store_id text NOT NULL REFERENCES stores (store_id),
    token_hash bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    PRIMARY KEY (store_id, token_hash)
  );

  CREATE TABLE events (
    store_id text NOT NULL,
    seq bigint NOT NULL,
    at timestamptz NOT NULL,
    type text NOT NULL,
    actor text,
    reason text,
    payload text NOT NULL,
    hash bytea NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, seq, at)
  ) PARTITION BY RANGE (at);
  CREATE TABLE events_default PARTITION OF events DEFAULT;

  -- The chain-wide trace-code index, one row per code and store, maintained at ingest.
  -- pieces_out: pieces sold minus pieces returned (a split pack counts while any piece is out).
  CREATE TABLE trace_codes (
    code text NOT NULL,
    store_id text NOT NULL,
    pieces_out integer NOT NULL DEFAULT 0,
    received_seq bigint,
    received_at timestamptz,
    sold_seq bigint,
    sold_at timestamptz,
    returned_seq bigint,
    returned_at timestamptz,
    written_off_at timestamptz,
    PRIMARY KEY (code, store_id)
  );
  `,
  // 2: the HQ page — people who sign in, each box's heartbeat, and projections maintained at ingest (hq/projections.ts).
  // People are few and chain-wide: on Citus they become reference tables (copied to every node), not distributed.
  // Every projection is keyed by store first. projection_state says how far each store's projections have read its
  // events; the service catches up from there at start (the backfill of events ingested before this migration).
  `
  CREATE TABLE hq_users (
    username text PRIMARY KEY,
    display_name text NOT NULL,
    role text NOT NULL CHECK (role IN ('admin', 'regional')),
    password_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    disabled_at timestamptz
  );
  CREATE TABLE hq_user_stores (
    username text NOT NULL,
    store_id text NOT NULL,
    PRIMARY KEY (username, store_id)
  );
  CREATE TABLE hq_sessions (
    id bytea PRIMARY KEY,
    username text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
  );
  CREATE TABLE hq_login_attempts (
    username text NOT NULL,
    ip text NOT NULL,
    at timestamptz NOT NULL
  );
  CREATE INDEX hq_login_attempts_user ON hq_login_attempts (username, at);
  CREATE INDEX hq_login_attempts_ip ON hq_login_attempts (ip, at);

  CREATE TABLE store_status (
    store_id text PRIMARY KEY,
    reported_at timestamptz NOT NULL,
    version text,
    local_seq bigint,
    oldest_unsent_at timestamptz,
    outbox_backlog integer,
    outbox_failed integer,
    outbox_oldest_seconds integer,
    alarms jsonb NOT NULL DEFAULT '[]'
  );

  CREATE TABLE projection_state (
    store_id text PRIMARY KEY,
    seq bigint NOT NULL DEFAULT 0
  );
  -- Per store and Shanghai day, in fen: amount = fund_pay + account_pay + cash_pay (the platform's split).
  CREATE TABLE proj_sales_day (
    store_id text NOT NULL,
    day date NOT NULL,
    sales integer NOT NULL DEFAULT 0,
    insured_sales integer NOT NULL DEFAULT 0,
    amount bigint NOT NULL DEFAULT 0,
    fund_pay bigint NOT NULL DEFAULT 0,
    account_pay bigint NOT NULL DEFAULT 0,
    cash_pay bigint NOT NULL DEFAULT 0,
    insured_amount bigint NOT NULL DEFAULT 0,
    self_pay_amount bigint NOT NULL DEFAULT 0,
    refunds integer NOT NULL DEFAULT 0,
    refund_amount bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (store_id, day)
  );
  -- Pieces on hand per store and lot (the box's batch id), with what the receipt recorded of the product.
  CREATE TABLE proj_stock (
    store_id text NOT NULL,
    lot_bchno text NOT NULL,
    product_id text NOT NULL,
    nhsa_code text,
    product_name text,
    spec text,
    lot text,
    expiry date,
    pieces_per_pack integer,
    pieces integer NOT NULL DEFAULT 0,
    PRIMARY KEY (store_id, lot_bchno)
  );
  -- Insured people per store and day, by a SHA-256 of the platform's person number (psn_no) and its masked form:
  -- enough to see one person at several stores, nothing to identify them by.
  CREATE TABLE proj_insured_day (
    store_id text NOT NULL,
    day date NOT NULL,
    person_key bytea NOT NULL,
    person_masked text NOT NULL,
    sales integer NOT NULL DEFAULT 0,
    amount bigint NOT NULL DEFAULT 0,
    first_at timestamptz NOT NULL,
    PRIMARY KEY (store_id, day, person_key)
  );
  CREATE INDEX proj_insured_day_person ON proj_insured_day (day, person_key);
  -- Codes the chain saw twice: SOLD_TWICE (sold at this store and at other_store), RECEIVED_AFTER_SALE (received
  -- here while other_store has it sold and not returned: 串货).
  CREATE TABLE code_flags (
    store_id text NOT NULL,
    code text NOT NULL,
    kind text NOT NULL,
    other_store text NOT NULL,
    seq bigint NOT NULL,
    at timestamptz NOT NULL,
    PRIMARY KEY (store_id, code, kind, other_store)
  );
  CREATE INDEX code_flags_other ON code_flags (other_store);
  -- Codes already sold at two stores before this migration (the other projections catch up at start).
  INSERT INTO code_flags (store_id, code, kind, other_store, seq, at)
  SELECT a.store_id, a.code, 'SOLD_TWICE', b.store_id, a.sold_seq, a.sold_at
  FROM trace_codes a JOIN trace_codes b ON b.code = a.code AND b.store_id <> a.store_id AND b.sold_at IS NOT NULL
  WHERE a.sold_at IS NOT NULL AND (a.sold_at, a.store_id) > (b.sold_at, b.store_id);
  `,
  // 3: transfers between stores (调拨, hq/transfers.ts), projected from the boxes' transfer events at ingest. A manifest
  // is the shipping store's row, a receipt the receiving store's: each store's ingest writes only its own rows (keyed by
  // store_id, co-located with its events under Citus). The code index says which transfer a box is on, in the row of
  // the store that shipped it (trace_codes is distributed by code, so closing it from the receiver's ingest stays on
  // the code's shard).
  `
  CREATE TABLE transfers (
    store_id text NOT NULL,
    transfer_id text NOT NULL,
    from_name text,
    to_store text NOT NULL,
    to_name text,
    shipped_seq bigint NOT NULL,
    shipped_at timestamptz NOT NULL,
    boxes integer NOT NULL,
    lines jsonb NOT NULL,
    PRIMARY KEY (store_id, transfer_id)
  );
  CREATE INDEX transfers_to ON transfers (to_store, shipped_at);
  CREATE TABLE transfer_receipts (
    store_id text NOT NULL,
    transfer_id text NOT NULL,
    from_store text NOT NULL,
    received_seq bigint NOT NULL,
    received_at timestamptz NOT NULL,
    received jsonb NOT NULL,
    missing jsonb NOT NULL,
    extra jsonb NOT NULL,
    PRIMARY KEY (store_id, transfer_id)
  );
  CREATE INDEX transfer_receipts_from ON transfer_receipts (from_store, transfer_id);
  ALTER TABLE trace_codes ADD COLUMN transfer_id text, ADD COLUMN transfer_to text, ADD COLUMN transferred_at timestamptz,
    ADD COLUMN transfer_closed_at timestamptz;
  `,
  // 4: the same box out (sold, not returned) at two stores (issue 17). Recorded at ingest, when the second store's
  // sale arrives, once for each of the two stores naming the other; each box reads its own rows by id
  // (GET /hq/v1/conflicts?after=) and raises the manager alarm. Keyed by store like every table.
  `
  CREATE TABLE code_conflicts (
    store_id text NOT NULL,
    id bigint GENERATED ALWAYS AS IDENTITY,
    code text NOT NULL,
    other_store_id text NOT NULL,
    sold_at timestamptz,
    other_sold_at timestamptz,
    detected_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, id),
    UNIQUE (store_id, code, other_store_id)
  );
  `,
  // 5: trace codes compare byte by byte (COLLATE "C"). They are digits and ASCII letters, where every collation
  // orders alike; under the cluster's C.UTF-8 every key comparison of the code index went through strcoll, a
  // visible part of ingest's CPU. Rebuilds the indexes that lead with a code (minutes at tens of millions of rows).
  `
  ALTER TABLE trace_codes ALTER COLUMN code TYPE text COLLATE "C";
  ALTER TABLE code_flags ALTER COLUMN code TYPE text COLLATE "C";
  ALTER TABLE code_conflicts ALTER COLUMN code TYPE text COLLATE "C";
  `,
  // 6: the cross-store check runs after the ingest commits (hq/code-index.ts recheckCodes says why). recheck_from is
  // the first seq of this store's events not yet checked against the other stores, set in the ingest's transaction
  // and cleared by the check, so a check lost to a crash between the two is redone (next batch, or HQ's start).
  `
  ALTER TABLE stores ADD COLUMN recheck_from bigint;
  `,
  // 7: the events kept one row per batch as ingest took it (hq/event-store.ts says why and how). Partitioned like
  // events by month, of the batch's first event (a batch across a month's end stays whole in the first month's
  // partition); the monthly partitions events had are made again for event_batches before its rows are copied, so
  // none lands in the DEFAULT partition (which would then keep that month from getting its own). Each old event
  // becomes a batch of one. The long columns are compressed with lz4 where the server has it (Debian's has), else
  // PostgreSQL's default. The view events shows one event per row, as the table did.
  `
  CREATE TABLE event_batches (
    store_id text NOT NULL,
    first_seq bigint NOT NULL,
    last_seq bigint NOT NULL,
    first_at timestamptz NOT NULL,
    heads text NOT NULL,
    payloads text NOT NULL,
    hashes bytea NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (store_id, first_seq, first_at)
  ) PARTITION BY RANGE (first_at);
  DO $$ BEGIN
    ALTER TABLE event_batches ALTER COLUMN heads SET COMPRESSION lz4, ALTER COLUMN payloads SET COMPRESSION lz4,
      ALTER COLUMN hashes SET COMPRESSION lz4;
  EXCEPTION WHEN feature_not_supported THEN NULL;
  END $$;
  DO $$ DECLARE r record; BEGIN
    FOR r IN SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'events'::regclass LOOP
      EXECUTE format('CREATE TABLE %I PARTITION OF event_batches %s', 'event_batches' || substr(r.relname, 7), r.bound);
    END LOOP;
  END $$;
  INSERT INTO event_batches (store_id, first_seq, last_seq, first_at, heads, payloads, hashes, received_at)
  SELECT store_id, seq, seq, at,
    json_build_array(json_build_array(to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), type, actor, reason))::text,
    payload, hash, received_at
  FROM events;
  DROP TABLE events;
  CREATE VIEW events AS
  SELECT b.store_id, b.first_seq + e.i - 1 AS seq, (e.head->>0)::timestamptz AS at, e.head->>1 AS type, e.head->>2 AS actor,
    e.head->>3 AS reason, e.payload, substring(b.hashes FROM (e.i::int - 1) * 32 + 1 FOR 32) AS hash, b.received_at
  FROM event_batches b
  CROSS JOIN LATERAL ROWS FROM (json_array_elements(b.heads::json), unnest(string_to_array(b.payloads, E'\\x1f'))) WITH ORDINALITY AS e(head, payload, i);
  `,
];

// Any constant works; it only keeps two HQ processes from migrating at once.
const MIGRATION_LOCK = 0x48510001;

/** Brings the schema to `target` (the newest by default; an older one only for tests of a migration). */
export async function migrate(pool: pg.Pool, target = MIGRATIONS.length): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    const current = rows[0]?.v ?? 0;
    if (current > MIGRATIONS.length)
      throw new Error(`HQ schema version ${current} is newer than this program knows (${MIGRATIONS.length}); upgrade counter-agent`);
    for (let v = current; v < target; v++) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[v] as string);
        await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [v + 1]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
    return Math.max(current, target);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}
