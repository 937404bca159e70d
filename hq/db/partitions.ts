import type pg from 'pg';

export interface PartitionWindow {
  /** Months before the current one (a box enrolled late sends its history). */
  behind: number;
  /** Months after the current one, created ahead so ingest never waits on DDL. */
  ahead: number;
}

export const DEFAULT_WINDOW: PartitionWindow = { behind: 24, ahead: 3 };

function monthStart(year: number, month0: number): Date {
  return new Date(Date.UTC(year, month0, 1));
}

/** The monthly partitions [name, from, to) around `now` (UTC months). */
export function monthlyPartitions(now: Date, window: PartitionWindow = DEFAULT_WINDOW): { name: string; from: Date; to: Date }[] {
  const out: { name: string; from: Date; to: Date }[] = [];
  for (let i = -window.behind; i <= window.ahead; i++) {
    const from = monthStart(now.getUTCFullYear(), now.getUTCMonth() + i);
    const to = monthStart(from.getUTCFullYear(), from.getUTCMonth() + 1);
    const name = `event_batches_${from.getUTCFullYear()}${String(from.getUTCMonth() + 1).padStart(2, '0')}`;
    out.push({ name, from, to });
  }
  return out;
}

/**
 * Creates the missing monthly partitions of `event_batches` (HQ's events, hq/event-store.ts). A month whose rows already sit in the DEFAULT partition
 * (events from a box whose clock was far off) cannot get its own partition without moving them: it is skipped
 * and reported, and its events stay correct in the default partition.
 */
export async function ensurePartitions(
  pool: pg.Pool,
  now: Date,
  window: PartitionWindow = DEFAULT_WINDOW,
): Promise<{ created: string[]; skipped: { name: string; error: string }[] }> {
  const { rows } = await pool.query<{ name: string }>(
    "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'event_batches'",
  );
  const existing = new Set(rows.map((r) => r.name));
  const created: string[] = [];
  const skipped: { name: string; error: string }[] = [];
  for (const p of monthlyPartitions(now, window)) {
    if (existing.has(p.name)) continue;
    try {
      await pool.query(
        `CREATE TABLE IF NOT EXISTS ${p.name} PARTITION OF event_batches FOR VALUES FROM ('${p.from.toISOString()}') TO ('${p.to.toISOString()}')`,
      );
      created.push(p.name);
    } catch (err) {
      skipped.push({ name: p.name, error: (err as Error).message });
    }
  }
  return { created, skipped };
}
