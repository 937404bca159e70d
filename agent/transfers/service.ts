import { shanghaiDate } from '../../common/time.js';
import type { Ledger, StoreRef } from '../ledger/index.js';
import { type Discrepancy, TransferError, type TransferRow } from '../ledger/transfers.js';
import type { Logger } from '../log.js';
import { type ClassifyOptions, classifyScan, isTraceCode } from '../tracecode/index.js';
import type { TransferHq } from './port.js';

export const HQ_REQUIRED_MESSAGE = '调拨需要连锁总部连接：本店未配置总部（hq），请联系技术员配置总部连接后再调拨';

export interface TransferServiceOptions {
  ledger: Ledger;
  /** Absent when the box has no HQ configured: every transfer call is refused with HQ_REQUIRED. */
  hq: TransferHq | undefined;
  store: StoreRef;
  classifyOptions: ClassifyOptions;
  clock: () => Date;
  log?: Logger;
  /** A transfer wrote 3502 rows: wake the platform sender. */
  onRecorded?: () => void;
  /** How often inbound manifests and shipment outcomes are fetched from HQ (also on demand when the page opens). */
  refreshMs?: number;
}

/**
 * Transfers between stores (调拨) at the box: ship boxes out to another store, receive the ones HQ lists for us,
 * and learn from HQ what the receiver found. HQ carries the manifest; the box never talks to another box.
 */
export class TransferService {
  private timer: NodeJS.Timeout | undefined;
  private lastRefresh: { at: string; error: string | null } | null = null;

  constructor(private readonly o: TransferServiceOptions) {}

  get enabled(): boolean {
    return this.o.hq !== undefined;
  }

  private hq(): TransferHq {
    if (!this.o.hq) throw new TransferError('HQ_REQUIRED', HQ_REQUIRED_MESSAGE, 409);
    return this.o.hq;
  }

  /** The chain's other stores, to ship to. */
  async stores(): Promise<StoreRef[]> {
    const hq = this.hq();
    try {
      return (await hq.stores()).filter((s) => s.store !== this.o.store.store);
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** One scan on the ship-out screen: the box, or why it cannot go. */
  check(raw: string): ReturnType<Ledger['transfers']['box']> {
    this.hq();
    return this.o.ledger.transfers.box(this.key(raw));
  }

  async ship(toStore: string, raws: readonly string[], actor: string | undefined): Promise<{ transferId: string; boxes: number }> {
    const stores = await this.stores();
    const to = stores.find((s) => s.store === toStore);
    if (!to) throw new TransferError('STORE_UNKNOWN', `门店 ${toStore} 不在连锁总部的门店名单中：请从列表中选择调入门店`);
    const r = this.o.ledger.transfers.ship(
      { from: this.o.store, to, codes: raws.map((raw) => this.key(raw)) },
      { at: this.o.clock(), ...(actor ? { actor } : {}) },
    );
    this.o.onRecorded?.();
    this.o.log?.info({ transferId: r.transferId, to: to.store, boxes: r.boxes }, 'transfer shipped');
    return { transferId: r.transferId, boxes: r.boxes };
  }

  async receive(transferId: string, raws: readonly string[], actor: string | undefined): Promise<{ received: number; discrepancy: Discrepancy }> {
    this.hq();
    const keys = raws.map((raw) => this.key(raw));
    const r = this.o.ledger.transfers.receive(transferId, keys, (id) => this.o.ledger.catalog.get(id) !== undefined, {
      at: this.o.clock(),
      ...(actor ? { actor } : {}),
    });
    this.o.onRecorded?.();
    this.o.log?.info({ transferId, received: r.received, missing: r.discrepancy.missing.length, extra: r.discrepancy.extra.length }, 'transfer received');
    return { received: r.received, discrepancy: r.discrepancy };
  }

  /** Fetches inbound manifests and the outcomes of our shipments from HQ. */
  async refresh(): Promise<{ inbound: number; outcomes: number }> {
    const hq = this.hq();
    const at = this.o.clock();
    try {
      const inbound = this.o.ledger.transfers.cacheInbound(
        (await hq.inbound(this.o.store.store)).filter((m) => m.to.store === this.o.store.store),
        at,
      );
      let outcomes = 0;
      for (const s of await hq.shipped(this.o.store.store)) {
        if (s.status !== 'received' || !s.receivedAt) continue;
        if (this.o.ledger.transfers.recordOutcome(s.transferId, { receivedAt: s.receivedAt, discrepancy: { missing: s.missing, extra: s.extra } }, at))
          outcomes++;
      }
      this.lastRefresh = { at: at.toISOString(), error: null };
      return { inbound, outcomes };
    } catch (err) {
      this.lastRefresh = { at: at.toISOString(), error: (err as Error).message };
      throw unavailable(err);
    }
  }

  list(): { enabled: boolean; store: StoreRef; lastRefresh: { at: string; error: string | null } | null; transfers: TransferRow[] } {
    return { enabled: this.enabled, store: this.o.store, lastRefresh: this.lastRefresh, transfers: this.enabled ? this.o.ledger.transfers.list() : [] };
  }

  start(): void {
    if (!this.enabled || this.timer) return;
    const tick = () =>
      void this.refresh().catch((err: unknown) => this.o.log?.warn({ err: (err as Error).message }, 'transfer refresh from HQ failed; will retry'));
    tick();
    this.timer = setInterval(tick, this.o.refreshMs ?? 60_000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private key(raw: string): string {
    const c = classifyScan(raw, { ...this.o.classifyOptions, today: shanghaiDate(this.o.clock()) });
    if (c.kind === 'invalid') throw new TransferError('TRACE_CODE_INVALID', `${c.message}（${raw}）`);
    if (!isTraceCode(c)) throw new TransferError('NOT_A_TRACE_CODE', `${raw} 是商品条码，不是药盒追溯码：请扫描药盒上的追溯码`);
    return c.key;
  }
}

function unavailable(err: unknown): Error {
  if (err instanceof TransferError) return err;
  return new TransferError('HQ_UNAVAILABLE', `连锁总部暂时连不上（${(err as Error).message}）：请稍后重试；已扫描的内容不会丢失`, 503);
}
