// The one error model (DESIGN 3: errors have one base — code, status, Chinese message — mapped once). Every
// domain error that reaches HTTP extends AppError; the web server's error handler turns it into the answer.

/** What the API answers besides the code and message: the checkout's refusals, or a list of problems. */
export interface AppErrorDetails {
  /** Refusals (DESIGN 6.4): answered as `{ refused: [...] }`. */
  refused?: readonly unknown[];
  /** Several problems: answered as `{ errors: [...] }` instead of the one `{ code, message }`. */
  errors?: readonly unknown[];
}

/**
 * The status a code always gets, wherever it is raised: the same refusal never gets two statuses.
 * PLATFORM_UNAVAILABLE is 409: DESIGN 6.3 answers a refused settle with `409 { refused }`, and the box itself is
 * up — the request conflicts with the platform's state right now, so a generic client must not treat it as the
 * box being down (503) and retry blindly; the person retries or pays by self-pay.
 */
export const STATUS_BY_CODE: Readonly<Record<string, number>> = { PLATFORM_UNAVAILABLE: 409 };

export class AppError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: string,
    statusCode: number,
    /** Chinese: what happened and what to do next. */
    message: string,
    readonly details: AppErrorDetails = {},
  ) {
    super(message);
    this.name = new.target.name;
    this.statusCode = STATUS_BY_CODE[code] ?? statusCode;
  }

  /** The JSON body: `{ refused }` for refusals, else `{ errors }`. */
  body(): { refused: readonly unknown[] } | { errors: readonly unknown[] } {
    if (this.details.refused && this.details.refused.length > 0) return { refused: this.details.refused };
    if (this.details.errors) return { errors: this.details.errors };
    return { errors: [{ code: this.code, message: this.message }] };
  }
}
