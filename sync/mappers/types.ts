import type { UploadInfno, UploadInputMap } from '../interfaces.js';

/** A ledger event as the outbox worker reads it (payload parsed). */
export interface LedgerEventForSync {
  seq: number;
  at: string;
  type: string;
  actor: string | null;
  payload: Record<string, unknown>;
}

export interface MapContext {
  /** Operator name used when the event has no actor (e.g. imports). */
  defaultOperatorName: string;
}

/** One platform record, ready for `PlatformClient.upload`. */
export type MappedUpload = { [K in UploadInfno]: { infno: K; input: UploadInputMap[K] } }[UploadInfno];

/** The event cannot be mapped to that record: a bug or a damaged ledger; never retried. */
export class MappingError extends Error {}
