import type { UploadInfno, UploadInputMap } from '../interfaces.js';

export interface MapContext {
  /** Operator name used when the event has no actor (e.g. imports). */
  defaultOperatorName: string;
  /**
   * The catalogue's 医保编码 (med_list_codg) for our product id now. A record not yet accepted is sent with it
   * rather than with the code the event recorded: when the platform refuses a record for a wrong code, the
   * manager corrects the catalogue and retries, and the retry must carry the corrected code. The event keeps
   * what was known at the time; the catalogue import that corrected it is an event of its own.
   */
  currentNhsaCode?: (productId: string) => string | undefined;
}

/** One platform record, ready for `PlatformClient.upload`. */
export type MappedUpload = { [K in UploadInfno]: { infno: K; input: UploadInputMap[K] } }[UploadInfno];

/** The event cannot be mapped to that record: a bug or a damaged ledger; never retried. */
export class MappingError extends Error {}

/**
 * The ledger lacks something the national interface requires (a lot without production date): not a bug; the
 * message (Chinese) names the record and what to do, and is what the sync screen shows.
 */
export class UnreportableRecordError extends MappingError {}
