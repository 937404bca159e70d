import type { LedgerEventOf, LotLine } from '../../agent/ledger/index.js';
import { formatShanghaiDateTime, shanghaiDate } from '../../common/time.js';
import type { InventoryRecord, PurchaseRecord } from '../interfaces.js';
import { recordBase as base } from './record-base.js';
import { type MapContext, MappingError } from './types.js';
import { piecePriceYuan } from './units.js';

type LotEvent = LedgerEventOf<'receipt.recorded'> | LedgerEventOf<'stock.opening_recorded'>;

export function findLine(e: LotEvent, bchno: string): LotLine {
  const line = (e.payload.lines as LotLine[] | undefined)?.find((l) => l.bchno === bchno);
  if (!line) throw new MappingError(`event ${e.seq} (${e.type}) has no line with batch ${bchno}`);
  return line;
}

const NONE = '无';

/** receipt.recorded line -> 3503 采购 (purcinfo). */
export function purchaseRecord(e: LedgerEventOf<'receipt.recorded'>, bchno: string, ctx: MapContext): PurchaseRecord {
  const line = findLine(e, bchno);
  const p = e.payload;
  return {
    ...base(line, ctx),
    spler_name: p.supplier,
    ...(p.procurementOrderNo ? { purc_ordr_no: p.procurementOrderNo } : {}),
    purc_invo_no: p.invoiceNo,
    dynt_no: p.deliveryNoteNo,
    // 生产厂家名称: the national list's prdr_name (the profile prodentp-name renames it).
    prdr_name: line.product.manufacturer || NONE,
    // 批准文号 is mandatory; 中药饮片 have none: "无" says so (decision) rather than leaving the field out.
    aprvno: line.product.approvalNo || NONE,
    purc_retn_cnt: String(line.pieces),
    purc_retn_stoin_time: formatShanghaiDateTime(new Date(e.at)),
    purc_retn_opter_name: e.actor ?? ctx.defaultOperatorName,
    finl_trns_pric: piecePriceYuan(line.pricePerPack, line.piecesPerPack),
    // 商品赠送标志: the box records purchases only; a gift would be received at price 0.
    prod_geay_flag: line.pricePerPack === 0 ? '1' : '0',
    drugtracinfo: (line.codes ?? []).map((c) => ({ drug_trac_codg: c })),
    ...(p.filingRef ? { memo: `备案采购:${p.filingRef}` } : {}),
  };
}

/** stock.opening_recorded line -> 3501 盘存 (invinfo): stock counted in without codes. */
export function inventoryRecord(e: LedgerEventOf<'stock.opening_recorded'>, bchno: string, ctx: MapContext): InventoryRecord {
  const line = findLine(e, bchno);
  const note = e.payload.note;
  return {
    ...base(line, ctx),
    invdate: shanghaiDate(new Date(e.at)),
    inv_cnt: String(line.pieces),
    pric: piecePriceYuan(line.pricePerPack, line.piecesPerPack),
    ...(note ? { memo: note } : {}),
  };
}
