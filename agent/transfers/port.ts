import type { StoreRef } from '../ledger/index.js';
import type { InboundManifest } from '../ledger/transfers.js';

/** What HQ knows of a transfer this store shipped: whether the receiver confirmed it and what it found. */
export interface ShippedOutcome {
  transferId: string;
  status: 'in_transit' | 'received';
  receivedAt: string | null;
  missing: string[];
  extra: string[];
}

/**
 * The chain HQ as transfers need it (implemented in sync/hq/transfers.ts; the domain never imports sync/).
 * Every call may throw: HQ unreachable, credential revoked.
 */
export interface TransferHq {
  /** The chain's stores (this one included). */
  stores(): Promise<StoreRef[]>;
  /** Manifests of transfers to `store`, received or not. */
  inbound(store: string): Promise<InboundManifest[]>;
  /** Transfers `store` shipped, with the receiver's outcome once it replicated. */
  shipped(store: string): Promise<ShippedOutcome[]>;
}
