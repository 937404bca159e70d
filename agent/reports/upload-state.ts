// How far a ledger record got to the platform, from its outbox rows: one word per sale or receipt.

export type UploadState = 'sent' | 'pending' | 'failed' | 'none';

/**
 * SQL expression: the upload state of the outbox rows whose event_seq is in `seqs` (SQL expressions).
 * A refused row outweighs a waiting one; no rows at all (nothing reportable) is 'none'.
 */
export function uploadStateSql(...seqs: string[]): string {
  return `(SELECT CASE WHEN COUNT(*) = 0 THEN 'none' WHEN SUM(o.status = 'failed') > 0 THEN 'failed'
      WHEN SUM(o.status = 'pending') > 0 THEN 'pending' ELSE 'sent' END
    FROM outbox o WHERE o.event_seq IN (${seqs.join(', ')}))`;
}

export interface UploadCounts {
  sent: number;
  pending: number;
  failed: number;
}

/** Rows counted by their state ('none' is not counted: nothing of it goes to the platform). */
export function countUploads(states: Iterable<UploadState>): UploadCounts {
  const c: UploadCounts = { sent: 0, pending: 0, failed: 0 };
  for (const s of states) if (s !== 'none') c[s]++;
  return c;
}
