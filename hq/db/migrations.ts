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
  // 2: the same box out (sold, not returned) at two stores (issue 17). Recorded at ingest, when the second store's
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
];

// Any constant works; it only keeps two HQ processes from migrating at once.
const MIGRATION_LOCK = 0x48510001;

export async function migrate(pool: pg.Pool): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    const current = rows[0]?.v ?? 0;
    if (current > MIGRATIONS.length)
      throw new Error(`HQ schema version ${current} is newer than this program knows (${MIGRATIONS.length}); upgrade counter-agent`);
    for (let v = current; v < MIGRATIONS.length; v++) {
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
    return MIGRATIONS.length;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}
