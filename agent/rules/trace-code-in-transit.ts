// TRACE_CODE_IN_TRANSIT (issue 17, 调拨): a box on a transfer between stores belongs to neither shelf until the
// receiving store scans it in — the shipping store has reported it out (3502 调拨出库), the receiving store has not
// reported it in. Either sale would leave the platform with a box sold where it is not stocked.
import { codeScan, scanRefusal } from './common.js';
import type { Refusal, ScanContext } from './types.js';

export function traceCodeInTransit(ctx: ScanContext): Refusal[] {
  const t = ctx.inTransit;
  if (!codeScan(ctx)) return [];
  // Shipped from here and already received there: the box is another store's stock now.
  if (!t)
    return ctx.known?.state === 'in_transit'
      ? [scanRefusal(ctx, 'TRACE_CODE_NOT_IN_STOCK', '该药盒已调拨到连锁其他门店，不在本店库存，不能销售：请核对药盒或联系店长')]
      : [];
  const peer = t.peerName ? `${t.peerName}（${t.peerStore}）` : t.peerStore;
  const message =
    t.direction === 'out'
      ? `该药盒已调拨出库（调拨单 ${t.transferId}，调往 ${peer}），在途中，本店不能销售：请把药盒交回店长核对`
      : `该药盒在调拨途中（调拨单 ${t.transferId}，来自 ${peer}），本店尚未收货，不能销售：请店长先在管理页“调拨”中扫码收货`;
  return [scanRefusal(ctx, 'TRACE_CODE_IN_TRANSIT', message)];
}
