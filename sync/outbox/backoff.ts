/**
 * Exponential backoff with full jitter (AWS architecture blog): delay = random(0, min(max, base * 2^n)),
 * floored at base/2 so a flapping platform is never hammered.
 */
export function backoffDelayMs(attempt: number, opts: { baseMs: number; maxMs: number }, random: () => number = Math.random): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(attempt, 30));
  return Math.max(opts.baseMs / 2, Math.floor(random() * ceiling));
}
