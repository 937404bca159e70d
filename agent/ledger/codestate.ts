import type { KnownCodeState } from '../receiving/types.js';

/** trace_codes.state is stored as a small integer (bytes per code matter at 10M codes). */
export const CodeState = { IN_STOCK: 0, SOLD: 1, RETURNED_TO_SUPPLIER: 3, WRITTEN_OFF: 4, IN_TRANSIT: 5 } as const;
export type CodeStateValue = (typeof CodeState)[keyof typeof CodeState];

export function codeStateName(state: number): KnownCodeState {
  switch (state) {
    case CodeState.IN_STOCK:
      return 'in_stock';
    case CodeState.SOLD:
      return 'sold';
    case CodeState.RETURNED_TO_SUPPLIER:
      return 'returned_to_supplier';
    case CodeState.IN_TRANSIT:
      // Shipped to another store of the chain (调拨出库): no longer on this store's shelf.
      return 'in_transit';
    default:
      return 'written_off';
  }
}
