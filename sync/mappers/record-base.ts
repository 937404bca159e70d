import { type MapContext, UnreportableRecordError } from './types.js';

/** What every 35xx record says about the goods: batch, national code, our item, lot and dates. */
export interface LineGoods {
  bchno: string;
  productId: string;
  product: { nhsaCode: string; name: string; rx: boolean };
  lot: string;
  mfgDate: string | null;
  expiry: string;
}

export function recordBase(line: LineGoods, ctx: MapContext) {
  // manu_date is mandatory in 3501–3506: a lot received without its production date cannot be reported; the
  // sync screen shows this message on the record (receiving now asks for the date).
  if (!line.mfgDate)
    throw new UnreportableRecordError(
      `批号 ${line.lot}（${line.product.name}）没有生产日期，医保平台要求生产日期（manu_date），该记录无法上报：请补录该批号的生产日期`,
    );
  return {
    fixmedins_bchno: line.bchno,
    // The catalogue's code at sending time (see MapContext.currentNhsaCode), else the one the event recorded.
    med_list_codg: ctx.currentNhsaCode?.(line.productId) ?? line.product.nhsaCode,
    fixmedins_hilist_id: line.productId,
    fixmedins_hilist_name: line.product.name,
    rx_flag: line.product.rx ? '1' : '0',
    manu_lotnum: line.lot,
    manu_date: line.mfgDate,
    expy_end: line.expiry,
  };
}
