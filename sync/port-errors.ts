// Translation of the client's errors (sync/errors.ts) into the errors the domain's ports define
// (agent/checkout/port.ts). Every sync adapter that implements an agent port throws only these.
import { PlatformOutcomeUnknownError, PlatformRejectedError, PlatformUnavailableError } from '../agent/checkout/port.js';
import { PlatformRejectedError as ClientRejectedError, PlatformError, PlatformSignInRejectedError } from './errors.js';

/**
 * `changesState`: the call charges or reverses (2102, 2103, 2601), so a failure without a definite answer
 * may have happened at the platform. Errors that are not the client's (a bug) pass through unchanged.
 */
export function toPortError(err: unknown, changesState: boolean): unknown {
  if (!(err instanceof PlatformError)) return err;
  // Not processed: the client dropped the stale sign_no, so the caller may retry at once.
  if (err instanceof PlatformSignInRejectedError) return new PlatformUnavailableError(err.message, err.userMessage, true, { cause: err });
  if (err instanceof ClientRejectedError) return new PlatformRejectedError(err.message, err.userMessage, err.errMsg, err.infcode, { cause: err });
  if (changesState) return new PlatformOutcomeUnknownError(err.message, err.userMessage, { cause: err });
  return new PlatformUnavailableError(err.message, err.userMessage, false, { cause: err });
}

/** Runs a platform call, translating its failure. */
export async function translated<T>(call: () => Promise<T>, changesState = false): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toPortError(err, changesState);
  }
}
