import type { LedgerEventOf } from '../../agent/ledger/index.js';
import { formatShanghaiDateTime } from '../../common/time.js';
import type { StockChangeRecord } from '../interfaces.js';
import { INV_CHG_TYPE } from './inv-chg-type.js';
import { recordBase } from './record-base.js';
import type { MapContext } from './types.js';
import { piecePriceYuan } from './units.js';

// A stocktake surplus is 盘盈 (103); a shortfall or write-off is 盘损 (104). Until this was checked against the transfer
// codes it sent 101/102, which the national dictionary reserves for 调拨入库/调拨出库 (inv-chg-type.ts).
const CHANGE_GAIN = INV_CHG_TYPE.stocktakeGain;
const CHANGE_LOSS = INV_CHG_TYPE.stocktakeLoss;

/** stock.adjusted -> 3502 库存变更 (invinfo). */
export function stockChangeRecord(e: LedgerEventOf<'stock.adjusted'>, _bchno: string, ctx: MapContext): StockChangeRecord {
  const p = e.payload;
  return {
    ...recordBase(p, ctx),
    inv_chg_type: p.delta > 0 ? CHANGE_GAIN : CHANGE_LOSS,
    inv_chg_time: formatShanghaiDateTime(new Date(e.at)),
    pric: piecePriceYuan(p.pricePerPack, p.product.piecesPerPack),
    // 数量 (national name cnt, not inv_chg_cnt): pieces, the minimum unit.
    cnt: String(Math.abs(p.delta)),
    inv_chg_opter_name: e.actor ?? ctx.defaultOperatorName,
    // 拆零标志: a count change below a whole pack, or a write-off of a partly sold box.
    trdn_flag: Math.abs(p.delta) % p.product.piecesPerPack !== 0 ? '1' : '0',
    drugtracinfo: p.codes.map((c) => ({ drug_trac_codg: c.code })),
    memo: p.reason,
  };
}
