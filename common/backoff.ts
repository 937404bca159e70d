// The one backoff of the box (scanners, ID reader, camera recorder, platform outbox). Pure: no timers,
// no I/O; each caller owns its own timer and decides what counts as a success that resets it.
//
// Exponential: the n-th retry (n = 0, 1, 2 …) waits min(maxMs, initialMs · 2^n). With `random` it is
// "full jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015): a uniform draw below that
// ceiling, floored at initialMs / 2 so a flapping peer is never hammered. Devices retry without jitter
// (one box, one device: nobody to de-synchronise from); the outbox uses jitter (many boxes, one platform).

export interface BackoffPolicy {
  /** The first delay (attempt 0), and the unit the delays double from. */
  initialMs: number;
  /** No delay exceeds this. */
  maxMs: number;
}

/** The delay before retry number `attempt` (0-based). Give `random` (0 ≤ x < 1) for full jitter. */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random?: () => number): number {
  // 2^30 already exceeds any sane cap; clamping keeps the arithmetic finite for days of retries.
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  if (!random) return ceiling;
  return Math.max(policy.initialMs / 2, Math.floor(random() * ceiling));
}

/** A policy with each caller's defaults filled in. */
export function backoffPolicy(given: Partial<BackoffPolicy> | undefined, defaults: BackoffPolicy): BackoffPolicy {
  return { initialMs: given?.initialMs ?? defaults.initialMs, maxMs: given?.maxMs ?? defaults.maxMs };
}

/** The attempt count of one retry loop (no jitter): next() gives the delay to wait and counts it; reset() after a success. */
export class Backoff {
  private attempt = 0;

  constructor(readonly policy: BackoffPolicy) {}

  /** The delay the next retry will wait (without counting it). */
  get delayMs(): number {
    return backoffDelayMs(this.attempt, this.policy);
  }

  /** The delay to wait now; the one after it is twice as long, up to the cap. */
  next(): number {
    return backoffDelayMs(this.attempt++, this.policy);
  }

  reset(): void {
    this.attempt = 0;
  }
}
