// The box's side of the chain-wide trace-code check (issue 17): the scan-time adapter for checkout's ChainCodePort,
// and the background pass that rechecks lines sold while HQ did not answer and takes HQ's conflict feed.
import type { ChainAlarms } from '../../agent/checkout/chain-alarms.js';
import type { ChainAnswer, ChainCodePort } from '../../agent/checkout/chain-port.js';
import type { Logger } from '../../agent/log.js';
import type { ChainSale } from '../../agent/rules/types.js';
import { type HqClient, HqUnavailableError } from './client.js';

/**
 * HQ's code answer (hq/code-index.ts CodeReport) read defensively: the other stores where the box is out, or
 * null when the answer is not what HQ sends (then the scan is unchecked, never refused on garbage).
 */
export function soldElsewhere(json: Record<string, unknown>, ownStore: string): ChainSale[] | null {
  if (typeof json.soldNotReturned !== 'boolean' || !Array.isArray(json.soldAt)) return null;
  const out: ChainSale[] = [];
  for (const s of json.soldAt as unknown[]) {
    const e = s as Record<string, unknown> | null;
    if (!e || typeof e.store !== 'string' || typeof e.at !== 'string') return null;
    if (e.store === ownStore) continue;
    out.push({ store: e.store, storeName: typeof e.storeName === 'string' ? e.storeName : null, at: e.at });
  }
  return out;
}

/**
 * Asks HQ with the configured timeout and never waits longer: the fetch is aborted at the timeout, and a timer
 * answers 'unchecked' at the same moment even if the abort is late (an event loop busy elsewhere).
 */
export class HqChainCheck implements ChainCodePort {
  constructor(
    private readonly client: () => HqClient,
    private readonly ownStore: string,
    private readonly timeoutMs: number,
  ) {}

  check(code: string): Promise<ChainAnswer> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<ChainAnswer>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'unchecked', reason: `HQ did not answer within ${this.timeoutMs} ms` }), this.timeoutMs);
    });
    const asked = this.client()
      .code(code, this.timeoutMs)
      .then((json): ChainAnswer => {
        const sold = soldElsewhere(json, this.ownStore);
        return sold ? { kind: 'answered', soldElsewhere: sold } : { kind: 'unchecked', reason: 'HQ answer not understood' };
      })
      .catch((err: unknown): ChainAnswer => ({ kind: 'unchecked', reason: (err as Error).message }));
    return Promise.race([asked, late]).finally(() => clearTimeout(timer));
  }
}

export interface RecheckOptions {
  client: () => HqClient;
  alarms: ChainAlarms;
  ownStore: string;
  log: Logger;
  clock?: () => Date;
  /** Between passes (default 30 s). */
  intervalMs?: number;
  /** The recheck is not at a counter: it may wait longer than a scan (default 5 s). */
  timeoutMs?: number;
}

export interface RecheckResult {
  checked: number;
  hits: number;
  learned: number;
  /** HQ did not answer: the pass stopped and the next one tries again. */
  unavailable: boolean;
}

/**
 * Every interval: lines sold while HQ did not answer are asked again (a hit marks the line 'conflict' and raises the
 * manager alarm), then HQ's conflict feed for this store is read from the box's cursor (HQ records a conflict when
 * the second store's sale reaches it, for both stores) so the store that sold first learns of it too.
 */
export class ChainRecheck {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RecheckResult> | null = null;
  private readonly clock: () => Date;

  constructor(private readonly o: RecheckOptions) {
    this.clock = o.clock ?? (() => new Date());
  }

  start(): void {
    const tick = () => {
      void this.pass().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.o.intervalMs ?? 30_000);
      });
    };
    this.timer = setTimeout(tick, this.o.intervalMs ?? 30_000);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass; passes never overlap (a second call waits for the first's result). */
  pass(): Promise<RecheckResult> {
    if (!this.running) this.running = this.run().finally(() => (this.running = null));
    return this.running;
  }

  private async run(): Promise<RecheckResult> {
    const r: RecheckResult = { checked: 0, hits: 0, learned: 0, unavailable: false };
    const { alarms, log } = this.o;
    const client = this.o.client();
    try {
      for (const line of alarms.uncheckedLines()) {
        const sold = soldElsewhere(await client.code(line.code, this.o.timeoutMs ?? 5000), this.o.ownStore);
        if (!sold) throw new HqUnavailableError('HQ code answer not understood');
        r.checked++;
        const hit = sold[0];
        if (!hit) {
          alarms.markLine(line.itemId, 'ok');
          continue;
        }
        alarms.markLine(line.itemId, 'conflict');
        r.hits++;
        const input = {
          code: line.code,
          otherStore: hit.store,
          otherStoreName: hit.storeName,
          otherSoldAt: hit.at,
          saleId: line.saleId,
          source: 'recheck' as const,
        };
        if (alarms.raise(input, this.clock()))
          log.warn({ code: line.code, saleId: line.saleId, otherStore: hit.store }, 'late chain hit: box sold at another store too');
      }
      const after = alarms.conflictsAfter();
      const conflicts = await client.conflicts(after);
      for (const c of conflicts) {
        const input = {
          code: c.code,
          otherStore: c.otherStore,
          otherStoreName: c.otherStoreName,
          otherSoldAt: c.otherSoldAt,
          saleId: alarms.saleOfCode(c.code),
          source: 'hq' as const,
        };
        if (alarms.raise(input, this.clock())) {
          r.learned++;
          log.warn({ code: c.code, otherStore: c.otherStore }, 'HQ reports a box sold here and at another store');
        }
      }
      const last = conflicts[conflicts.length - 1];
      if (last) alarms.setConflictsAfter(last.id);
    } catch (err) {
      r.unavailable = true;
      log.debug({ err: (err as Error).message }, 'chain recheck: HQ not available; next pass retries');
    }
    return r;
  }
}
