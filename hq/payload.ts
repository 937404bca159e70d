// Reading the payloads of the events HQ receives (the code index, projections and transfers share these).
// One JSON.parse per event and ingest: the code index, the projections and the transfers all read the same
// payloads in the same transaction, and parsing them three times was a tenth of HQ's CPU per event.
const parsed = new WeakMap<object, unknown>();

/** The event's payload parsed, once per event object (the batch's objects live only as long as the ingest). */
export function payloadOf<T = Record<string, unknown>>(e: { payload: string }): T {
  let p = parsed.get(e);
  if (p === undefined) {
    p = JSON.parse(e.payload) as unknown;
    parsed.set(e, p);
  }
  return p as T;
}

/**
 * Drops the parsed payloads of these events. Ingest folds a batch (code changes, projections) before it takes a
 * connection, and the batch then waits on PostgreSQL: kept, the parsed objects — as large as the events themselves —
 * survived the young generation's collections meanwhile and were copied there (`--trace-gc`). Parsed again if
 * read again (the transfers, a rare event type).
 */
export function forgetPayloads(events: readonly { payload: string }[]): void {
  for (const e of events) parsed.delete(e);
}

export type Json = Record<string, unknown>;

/** Readers for payload fields a box wrote: a field of the wrong type reads as empty, never throws mid-ingest. */
export const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
export const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
