import type { MapContext } from './types.js';

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
  return {
    fixmedins_bchno: line.bchno,
    // The catalogue's code at sending time (see MapContext.currentNhsaCode), else the one the event recorded.
    med_list_codg: ctx.currentNhsaCode?.(line.productId) ?? line.product.nhsaCode,
    fixmedins_hilist_id: line.productId,
    fixmedins_hilist_name: line.product.name,
    rx_flag: line.product.rx ? '1' : '0',
    manu_lotnum: line.lot,
    ...(line.mfgDate ? { manu_date: line.mfgDate } : {}),
    expy_end: line.expiry,
  };
}
