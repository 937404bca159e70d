// video.db's schema, versioned by PRAGMA user_version (store.ts opens the file and runs these first).

import type Database from 'better-sqlite3';

/** Append new migrations; never edit a shipped one. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE segments (
    id INTEGER PRIMARY KEY,
    camera TEXT NOT NULL,
    counter TEXT NOT NULL,
    path TEXT NOT NULL UNIQUE,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    duration_ms INTEGER,               -- NULL when the file has no readable duration (broken)
    bytes INTEGER NOT NULL,
    sha256 TEXT,                       -- NULL only when the file could not be read at all
    broken INTEGER NOT NULL DEFAULT 0,
    problem TEXT,                      -- why it is broken (English, names the path)
    recovered INTEGER NOT NULL DEFAULT 0, -- times estimated from the file: left unfinished by an ffmpeg that died, or found unindexed at start
    indexed_ms INTEGER NOT NULL,
    deleted_ms INTEGER                 -- set when retention removed the file; the row stays as the record
  );
  CREATE INDEX segments_counter_start ON segments (counter, start_ms);
  CREATE INDEX segments_live_start ON segments (start_ms) WHERE deleted_ms IS NULL;
  CREATE INDEX segments_broken ON segments (indexed_ms) WHERE broken = 1;

  CREATE TABLE sale_windows (
    sale_id INTEGER PRIMARY KEY,
    counter TEXT NOT NULL,
    from_ms INTEGER NOT NULL,
    to_ms INTEGER NOT NULL,
    settled_ms INTEGER NOT NULL,
    linked_ms INTEGER NOT NULL
  );
  CREATE INDEX sale_windows_counter_to ON sale_windows (counter, to_ms);

  CREATE TABLE sale_segments (
    sale_id INTEGER NOT NULL REFERENCES sale_windows (sale_id),
    segment_id INTEGER NOT NULL REFERENCES segments (id),
    PRIMARY KEY (sale_id, segment_id)
  ) WITHOUT ROWID;
  CREATE INDEX sale_segments_segment ON sale_segments (segment_id);

  CREATE TABLE clips (
    sale_id INTEGER NOT NULL,
    camera TEXT NOT NULL,
    segments_key TEXT NOT NULL,        -- which segments it was cut from; another set = cut again
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    from_ms INTEGER NOT NULL,
    to_ms INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (sale_id, camera)
  );
  `,
  // 2: the counter's still at each sale's settlement, cut from the recording at that moment (snapshots.ts).
  `
  CREATE TABLE sale_snapshots (
    sale_id INTEGER PRIMARY KEY REFERENCES sale_windows (sale_id),
    camera TEXT NOT NULL,
    segment_id INTEGER NOT NULL REFERENCES segments (id),
    at_ms INTEGER NOT NULL,            -- the frame's wall-clock time (the settlement, within a frame)
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    taken_ms INTEGER NOT NULL
  );
  `,
];

export function migrateVideoDb(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) throw new Error(`video.db schema version ${version} is newer than this software (${MIGRATIONS.length})`);
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
