import type { LedgerEventOf, TransferLotLine } from '../../agent/ledger/index.js';
import { formatShanghaiDateTime } from '../../common/time.js';
import type { StockChangeRecord } from '../interfaces.js';
import { INV_CHG_TYPE } from './inv-chg-type.js';
import { recordBase } from './record-base.js';
import { type MapContext, MappingError } from './types.js';
import { piecePriceYuan } from './units.js';

export const INV_CHG_TRANSFER_IN = INV_CHG_TYPE.transferIn;
export const INV_CHG_TRANSFER_OUT = INV_CHG_TYPE.transferOut;

function line(e: { payload: { lines: TransferLotLine[] } }, bchno: string): TransferLotLine {
  const l = e.payload.lines.find((x) => x.bchno === bchno);
  if (!l) throw new MappingError(`transfer event has no line ${bchno}`);
  return l;
}

function record(
  e: LedgerEventOf<'transfer.shipped'> | LedgerEventOf<'transfer.received'>,
  l: TransferLotLine,
  type: string,
  memo: string,
  ctx: MapContext,
): StockChangeRecord {
  const pieces = l.codes.reduce((n, c) => n + c.pieces, 0);
  return {
    ...recordBase(l, ctx),
    inv_chg_type: type,
    inv_chg_time: formatShanghaiDateTime(new Date(e.at)),
    pric: piecePriceYuan(l.pricePerPack, l.product.piecesPerPack),
    cnt: String(pieces),
    inv_chg_opter_name: e.actor ?? ctx.defaultOperatorName,
    trdn_flag: pieces % l.product.piecesPerPack !== 0 ? '1' : '0',
    drugtracinfo: l.codes.map((c) => ({ drug_trac_codg: c.code })),
    memo,
  };
}

/** transfer.shipped -> 3502 调拨出库, one record per lot line. */
export function transferOutRecord(e: LedgerEventOf<'transfer.shipped'>, bchno: string, ctx: MapContext): StockChangeRecord {
  const p = e.payload;
  return record(e, line(e, bchno), INV_CHG_TRANSFER_OUT, `调拨出库 ${p.transferId} 调往 ${p.to.name ?? p.to.store}（${p.to.store}）`, ctx);
}

/** transfer.received -> 3502 调拨入库, one record per lot line received. */
export function transferInRecord(e: LedgerEventOf<'transfer.received'>, bchno: string, ctx: MapContext): StockChangeRecord {
  const p = e.payload;
  return record(e, line(e, bchno), INV_CHG_TRANSFER_IN, `调拨入库 ${p.transferId} 来自 ${p.from.name ?? p.from.store}（${p.from.store}）`, ctx);
}
