import type { LedgerEventOf, SaleSettledPayload, SoldLine } from '../../agent/ledger/index.js';
import { formatShanghaiDateTime } from '../../common/time.js';
import type { SaleRecord } from '../interfaces.js';
import { recordBase } from './record-base.js';
import { type MapContext, MappingError } from './types.js';
import { piecePriceYuan } from './units.js';

type SaleEvent = LedgerEventOf<'sale.settled'> | LedgerEventOf<'sale.reversed'>;

function line(e: SaleEvent, bchno: string): SoldLine {
  const found = (e.payload.items as SoldLine[] | undefined)?.find((l) => l.bchno === bchno);
  if (!found) throw new MappingError(`event ${e.seq} (${e.type}) has no line with batch ${bchno}`);
  return found;
}

/** prsc_dr_name for a sale without prescription. */
export const NO_PRESCRIBER = '无';

/** sale.settled line -> 3505 销售, sale.reversed line -> 3506 销售退货 (selinfo). */
export function saleRecord(e: SaleEvent, bchno: string, ctx: MapContext): SaleRecord {
  const l = line(e, bchno);
  // A return (sale.reversed) carries fewer facts than the sale: what it lacks is read as absent.
  const p: Partial<SaleSettledPayload> & { saleId: number } = e.payload;
  const [ledgerId] = bchno.split('-');
  const saleNo = `${ledgerId}-S${p.saleId}`;
  const insured = p.setlId !== undefined && p.setlId !== '';
  return {
    ...recordBase(l, ctx),
    sel_retn_cnt: String(l.pieces),
    sel_retn_time: formatShanghaiDateTime(new Date(e.at)),
    sel_retn_opter_name: e.actor ?? ctx.defaultOperatorName,
    trdn_flag: l.split ? '1' : '0',
    // Retail document and stock-out numbers: the sale, as printed on the receipt.
    rtal_docno: saleNo,
    stoout_no: saleNo,
    ...(p.setlId ? { setl_id: p.setlId } : {}),
    // 就医流水号: the settlement's mdtrt_id for an insured sale; the store's own visit number (the sale) for self-pay.
    mdtrt_sn: insured && p.mdtrtId ? p.mdtrtId : saleNo,
    ...(p.psnNo ? { psn_no: p.psnNo } : {}),
    // 人员证件类型: from 1101 for an insured buyer; 01 (居民身份证) when identified without it; 99 (其他) for an anonymous buyer.
    psn_cert_type: p.psnCertType ?? (p.psnNo ? '01' : '99'),
    // 医保费用结算类型 and 就诊结算类型: 1 医保结算, 2 自费结算 (decision: one dictionary for both, as the sources use them).
    hi_feesetl_type: insured ? '1' : '2',
    mdtrt_setl_type: insured ? '1' : '2',
    // prsc_dr_name is mandatory on every 3505: without a prescription (an OTC sale) there is no prescriber, and the
    // box says so with "无" rather than inventing one (decision; sources send a placeholder when the HIS has none).
    prsc_dr_name: p.prescription?.doctorName || NO_PRESCRIBER,
    ...(p.prescription?.rxNo ? { rxno: p.prescription.rxNo, rx_circ_flag: '1' } : { rx_circ_flag: '0' }),
    ...(p.pharmacist ? { phar_name: p.pharmacist.name, phar_prac_cert_no: p.pharmacist.certNo } : {}),
    finl_trns_pric: piecePriceYuan(l.price, l.pieces),
    drugtracinfo: l.code ? [{ drug_trac_codg: l.code }] : [],
  };
}
