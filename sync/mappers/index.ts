import type { LedgerEvent, LedgerEventOf, LedgerEventType } from '../../agent/ledger/index.js';
import { stockChangeRecord } from './adjustments.js';
import { inventoryRecord, purchaseRecord } from './receiving.js';
import { saleRecord } from './sales.js';
import { transferInRecord, transferOutRecord } from './transfers.js';
import { type MapContext, type MappedUpload, MappingError } from './types.js';

export type { MapContext, MappedUpload } from './types.js';
export { MappingError, UnreportableRecordError } from './types.js';

type Mapper<T extends LedgerEventType> = (e: LedgerEventOf<T>, recordKey: string, ctx: MapContext) => MappedUpload;

/**
 * event type -> infno -> mapper. The one table that says which ledger event becomes which platform
 * record; checkout and stock adjustments add their rows here.
 */
const MAPPERS: { [T in LedgerEventType]?: Partial<Record<string, Mapper<T>>> } = {
  'receipt.recorded': {
    '3503': (e, key, ctx) => ({ infno: '3503', input: { purcinfo: purchaseRecord(e, key, ctx) } }),
  },
  'sale.settled': {
    '3505': (e, key, ctx) => ({ infno: '3505', input: { selinfo: saleRecord(e, key, ctx) } }),
  },
  'sale.reversed': {
    '3506': (e, key, ctx) => ({ infno: '3506', input: { selinfo: saleRecord(e, key, ctx) } }),
  },
  'stock.adjusted': {
    '3502': (e, key, ctx) => ({ infno: '3502', input: { invinfo: stockChangeRecord(e, key, ctx) } }),
  },
  'transfer.shipped': {
    '3502': (e, key, ctx) => ({ infno: '3502', input: { invinfo: transferOutRecord(e, key, ctx) } }),
  },
  'transfer.received': {
    '3502': (e, key, ctx) => ({ infno: '3502', input: { invinfo: transferInRecord(e, key, ctx) } }),
  },
  'stock.opening_recorded': {
    '3501': (e, key, ctx) => ({ infno: '3501', input: { invinfo: inventoryRecord(e, key, ctx) } }),
  },
};

export function mapOutboxRecord(e: LedgerEvent, infno: string, recordKey: string, ctx: MapContext): MappedUpload {
  // The table pairs each type with mappers of that type's event; TypeScript cannot follow that through e.type.
  const mapper = (MAPPERS[e.type] as Partial<Record<string, Mapper<typeof e.type>>> | undefined)?.[infno] as
    | ((e: LedgerEvent, key: string, ctx: MapContext) => MappedUpload)
    | undefined;
  if (!mapper) throw new MappingError(`no mapping from ledger event ${e.type} to platform interface ${infno}`);
  return mapper(e, recordKey, ctx);
}
