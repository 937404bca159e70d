// The box's parts (ledger, platform, cameras, timers, web server, devices …) start from one list, in order,
// and stop in reverse. A part that fails to start stops the parts already started (in reverse) and the
// error names it; a part that fails to stop is logged and never keeps the others running.

export interface Part {
  /** Named in the start-up error and the logs, e.g. "web server". */
  name: string;
  start(): void | Promise<void>;
  /** Absent for a step that leaves nothing running (seeding demo data). */
  stop?(): void | Promise<void>;
}

/** Start-up failed in one part; everything started before it has been stopped again. */
export class PartStartError extends Error {
  override name = 'PartStartError';
  constructor(
    readonly part: string,
    readonly reason: unknown,
  ) {
    super(`start failed in part "${part}": ${reason instanceof Error ? reason.message : String(reason)}`, { cause: reason });
  }
}

/** Where failures are told (the agent's pino logger fits). */
export interface LifecycleLog {
  error(fields: { part: string; err: string }, msg: string): void;
}

export class Lifecycle {
  private readonly started: Part[] = [];

  constructor(private readonly log: LifecycleLog) {}

  /** Starts each part in order; on a failure stops the started ones in reverse and throws PartStartError. */
  async start(parts: readonly Part[]): Promise<void> {
    for (const part of parts) await this.add(part);
  }

  /** Starts one more part after those already running (same failure rule as start()). */
  async add(part: Part): Promise<void> {
    try {
      await part.start();
    } catch (err) {
      this.log.error({ part: part.name, err: err instanceof Error ? err.message : String(err) }, 'part failed to start; stopping the parts already started');
      await this.stop();
      throw new PartStartError(part.name, err);
    }
    this.started.push(part);
  }

  /** Names of the running parts, in start order. */
  get running(): string[] {
    return this.started.map((p) => p.name);
  }

  /** Stops every running part in reverse order; each stop in its own try/catch. Returns the parts that failed to stop. */
  async stop(): Promise<{ part: string; error: string }[]> {
    const failed: { part: string; error: string }[] = [];
    for (let part = this.started.pop(); part; part = this.started.pop()) {
      try {
        await part.stop?.();
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        failed.push({ part: part.name, error });
        this.log.error({ part: part.name, err: error }, 'part failed to stop; stopping the others');
      }
    }
    return failed;
  }
}
