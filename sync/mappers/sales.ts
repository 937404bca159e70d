import type { SaleRecord } from '../interfaces.js';
import { formatShanghaiDateTime } from '../../common/time.js';
import type { LedgerEventOf, SoldLine } from '../../agent/ledger/index.js';
import { MappingError, type MapContext } from './types.js';
import { recordBase } from './record-base.js';
import { piecePriceYuan } from './units.js';

type SaleEvent = LedgerEventOf<'sale.settled'> | LedgerEventOf<'sale.reversed'>;

function line(e: SaleEvent, bchno: string): SoldLine {
  const found = (e.payload.items as SoldLine[] | undefined)?.find((l) => l.bchno === bchno);
  if (!found) throw new MappingError(`event ${e.seq} (${e.type}) has no line with batch ${bchno}`);
  return found;
}

/** sale.settled line -> 3505 销售, sale.reversed line -> 3506 销售退货 (selinfo). */
export function saleRecord(e: SaleEvent, bchno: string, ctx: MapContext): SaleRecord {
  const l = line(e, bchno);
  const p: { saleId: number; setlId?: string; psnNo?: string; prescription?: { doctorName: string } } = e.payload;
  const [ledgerId] = bchno.split('-');
  return {
    ...recordBase(l, ctx),
    sel_retn_cnt: String(l.pieces),
    sel_retn_time: formatShanghaiDateTime(new Date(e.at)),
    sel_retn_opter_name: e.actor ?? ctx.defaultOperatorName,
    trdn_flag: l.split ? '1' : '0',
    // Retail document and stock-out numbers: the sale, as printed on the receipt.
    rtal_docno: `${ledgerId}-S${p.saleId}`,
    stoout_no: `${ledgerId}-S${p.saleId}`,
    ...(p.setlId ? { setl_id: p.setlId } : {}),
    ...(p.psnNo ? { psn_no: p.psnNo } : {}),
    ...(p.prescription ? { prsc_dr_name: p.prescription.doctorName } : {}),
    finl_trns_pric: piecePriceYuan(l.price, l.pieces),
    drugtracinfo: l.code ? [{ drug_trac_codg: l.code }] : [],
  };
}
