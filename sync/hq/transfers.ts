import type { StoreRef } from '../../agent/ledger/index.js';
import type { InboundManifest } from '../../agent/ledger/transfers.js';
import type { ShippedOutcome, TransferHq } from '../../agent/transfers/port.js';
import type { HqClient } from './client.js';

/** hq/transfers.ts TransferView, as the wire carries it. */
interface WireTransfer extends InboundManifest {
  status: 'in_transit' | 'received';
  receivedAt: string | null;
  missing: string[];
  extra: string[];
}

/** The transfer port over the box's HQ client (the replicator's, so it shares the credential enrolment obtained). */
export class HqTransferPort implements TransferHq {
  constructor(private readonly client: HqClient) {}

  async stores(): Promise<StoreRef[]> {
    return (await this.client.get('/hq/v1/chain/stores')).stores as StoreRef[];
  }

  async inbound(store: string): Promise<InboundManifest[]> {
    const transfers = (await this.client.get(`/hq/v1/transfers?to=${encodeURIComponent(store)}`)).transfers as WireTransfer[];
    // Only what is still on its way: a box reinstalled with a fresh ledger must not hold already received boxes in transit.
    return transfers
      .filter((t) => t.status === 'in_transit')
      .map((t) => ({ transferId: t.transferId, from: t.from, to: t.to, shippedAt: t.shippedAt, lines: t.lines }));
  }

  async shipped(store: string): Promise<ShippedOutcome[]> {
    const transfers = (await this.client.get(`/hq/v1/transfers?from=${encodeURIComponent(store)}`)).transfers as WireTransfer[];
    return transfers.map((t) => ({ transferId: t.transferId, status: t.status, receivedAt: t.receivedAt, missing: t.missing, extra: t.extra }));
  }
}
