// TRACE_CODE_SOLD_IN_CHAIN (issue 17, DESIGN 9): a box sold at another store of the chain and not returned is not
// sold again here. The answer comes from the chain HQ (a port checkout defines, asked with a short timeout before
// the scan is recorded); without an answer (no HQ, HQ down or slow) this rule says nothing and the line is marked
// for a later recheck. This store's own sales are the local rules' business (TRACE_CODE_ALREADY_SOLD).
import { formatShanghaiDateTime } from '../../common/time.js';
import { codeScan, scannedName, scanRefusal } from './common.js';
import { msg } from './messages.js';
import type { Refusal, ScanContext } from './types.js';

/** `12月06日 15:02`: the month, day and minute a cashier and a manager talk in. */
export function chainSaleTime(iso: string): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  const s = formatShanghaiDateTime(t); // yyyy-MM-dd HH:mm:ss
  return `${s.slice(5, 7)}月${s.slice(8, 10)}日 ${s.slice(11, 16)}`;
}

export function traceCodeSoldInChain(ctx: ScanContext): Refusal[] {
  const sale = codeScan(ctx) ? ctx.chain?.soldElsewhere[0] : undefined;
  if (!sale) return [];
  return [scanRefusal(ctx, 'TRACE_CODE_SOLD_IN_CHAIN', msg.soldInChain(scannedName(ctx), sale.storeName ?? sale.store, chainSaleTime(sale.at)))];
}
