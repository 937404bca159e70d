// The one reconnect loop of the device adapters (serial ports, HID scanners): open the device, and when
// it is not there or goes away, try again on a timer with the common backoff (never a tight loop).
// Generations make a late open or a stale handle's event harmless: every stop() and every loss bumps it.

import { Backoff, type BackoffPolicy } from '../common/backoff.js';
import type { DeviceState } from './types.js';

/** Thrown by connect() when the device is not there (unplugged): state `missing`, not `error`. */
export class DeviceMissingError extends Error {
  override name = 'DeviceMissingError';
}

export interface ReconnectTarget {
  /** Open the device and start delivering data; throw DeviceMissingError when it is not there. */
  connect(generation: number): Promise<void>;
  /** Close whatever connect() opened; must not throw and must be safe to call twice. */
  release(): Promise<void>;
}

export interface ReconnectOptions {
  backoff: BackoffPolicy;
  /**
   * 'connect' (default): a successful open resets the backoff. 'manual': only resetBackoff() does — for a
   * device whose port can open while the device behind it is dead, so a port that opens and drops at once
   * is retried ever more slowly instead of every initialMs.
   */
  resetBackoffOn?: 'connect' | 'manual';
  /** Every state the loop reaches, with its reason; repeats are not filtered (the adapter does that). */
  onState(state: DeviceState, error: string | undefined): void;
}

export class Reconnector {
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private gen = 0;
  private readonly backoff: Backoff;

  constructor(
    private readonly target: ReconnectTarget,
    private readonly opts: ReconnectOptions,
  ) {
    this.backoff = new Backoff(opts.backoff);
  }

  /** The current generation: connect() receives it, lost() must pass it back. */
  get generation(): number {
    return this.gen;
  }

  /** The delay before the next retry (for tests and logs). */
  get retryDelayMs(): number {
    return this.backoff.delayMs;
  }

  resetBackoff(): void {
    this.backoff.reset();
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.attempt(this.gen);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.gen++;
    this.clearTimer();
    // Let an open in progress finish (it sees the new generation and closes what it opened), so a
    // start() right after stop() cannot meet a stale handle; a hung open is not waited for forever.
    if (this.inflight) await Promise.race([this.inflight, new Promise((r) => setTimeout(r, 2000).unref())]);
    await this.target.release();
    this.opts.onState('stopped', undefined);
  }

  /** The device went away (unplug, read error, port closed): release it and retry after the backoff. */
  lost(generation: number, err: unknown, missing: boolean): void {
    if (generation !== this.gen || !this.running) return;
    this.gen++;
    const gen = this.gen;
    void this.target.release().then(() => {
      if (gen !== this.gen || !this.running) return;
      this.opts.onState(missing ? 'missing' : 'error', describe(err));
      this.schedule(gen);
    });
  }

  private async attempt(gen: number): Promise<void> {
    if (gen !== this.gen || !this.running) return;
    const run = this.tryOnce(gen);
    this.inflight = run;
    try {
      await run;
    } finally {
      if (this.inflight === run) this.inflight = undefined;
    }
  }

  private async tryOnce(gen: number): Promise<void> {
    try {
      await this.target.connect(gen);
    } catch (err) {
      if (gen !== this.gen || !this.running) return;
      await this.target.release();
      this.opts.onState(err instanceof DeviceMissingError ? 'missing' : 'error', describe(err));
      this.schedule(gen);
      return;
    }
    if (gen !== this.gen || !this.running) {
      // stop() happened while we were opening: the handle we just opened is ours to close.
      await this.target.release();
      return;
    }
    if ((this.opts.resetBackoffOn ?? 'connect') === 'connect') this.backoff.reset();
    this.opts.onState('connected', undefined);
  }

  private schedule(gen: number): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.attempt(gen);
    }, this.backoff.next());
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
