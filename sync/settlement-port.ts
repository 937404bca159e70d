import type { InsuredPerson, SettlementAmounts, SettlementPort, SettlementRequest } from '../agent/checkout/port.js';
import { fenToYuan, yuanToFen } from '../common/money.js';
import { formatShanghaiDateTime } from '../common/time.js';
import type { PlatformClient } from './client.js';
import type { SettlementInput } from './interfaces.js';
import { piecePriceYuan } from './mappers/units.js';
import { readSetlinfo } from './outputs.js';
import { translated } from './port-errors.js';

/** med_type: 41 定点药店购药; 14 门慢特病 when the sale uses a chronic-disease entitlement. */
const MED_TYPE_PHARMACY = '41';
const MED_TYPE_CHRONIC = '14';

/** Builds the 2101/2102 input (one mapping, used for both). */
export function settlementInput(req: SettlementRequest): SettlementInput {
  return {
    druginfo: {
      psn_no: req.person.psnNo,
      mdtrt_cert_type: req.person.presented.certType,
      mdtrt_cert_no: req.person.presented.certNo,
      begntime: formatShanghaiDateTime(req.at),
      medfee_sumamt: fenToYuan(req.total),
      insutype: req.person.insutype,
      acct_used_flag: '1',
      med_type: req.chronicDisease ? MED_TYPE_CHRONIC : MED_TYPE_PHARMACY,
      ...(req.chronicDisease ? { dise_codg: req.chronicDisease.code, dise_name: req.chronicDisease.name } : {}),
    },
    drugdetail: req.lines.map((l) => ({
      feedetl_sn: `${req.saleId}-${l.itemId}`,
      ...(req.prescription && l.rx ? { rxno: req.prescription.rxNo, rx_circ_flag: '1', bilg_dr_name: req.prescription.doctorName } : {}),
      med_list_codg: l.nhsaCode,
      medins_list_codg: l.productId,
      det_item_fee_sumamt: fenToYuan(l.price),
      cnt: String(l.pieces),
      pric: piecePriceYuan(l.pricePerPack, l.piecesPerPack),
      fee_ocur_time: formatShanghaiDateTime(req.at),
      drug_trac_info: l.code ? [{ drug_trac_codg: l.code, trdn_flag: l.split ? '1' : '0' }] : [],
    })),
  };
}

function amounts(s: Parameters<typeof readSetlinfo>[0]): SettlementAmounts {
  const a = readSetlinfo(s);
  return {
    setlId: a.setlId,
    mdtrtId: a.mdtrtId,
    totalFen: a.totalFen,
    fundPayFen: a.fundPayFen,
    accountPayFen: a.accountPayFen,
    cashPayFen: a.cashPayFen,
    balanceFen: a.balanceFen,
  };
}

/** The checkout's platform port over the NHSA client; failures are the port's errors (sync/port-errors.ts). */
export class PlatformSettlementPort implements SettlementPort {
  constructor(private readonly client: PlatformClient) {}

  async lookupPerson(certType: '01' | '02' | '03', certNo: string, name?: string): Promise<InsuredPerson> {
    // card_sn (卡识别码) is mandatory with a social-security card (03): the card number as typed or read is what the
    // counter has (decision; a reader SDK that returns the chip's own 识别码 would fill it here instead).
    const { output } = await translated(() =>
      this.client.personInfo({
        data: { mdtrt_cert_type: certType, mdtrt_cert_no: certNo, ...(certType === '03' ? { card_sn: certNo } : {}), ...(name ? { psn_name: name } : {}) },
      }),
    );
    const b = output.baseinfo;
    const insu = output.insuinfo[0];
    return {
      psnNo: b.psn_no,
      certType,
      certNo: b.certno,
      name: b.psn_name,
      birthDate: b.brdy,
      age: Number(b.age),
      gender: b.gend,
      chronicDiseases: (output.opsp_dise_list ?? []).map((d) => ({ code: d.opsp_dise_code, name: d.opsp_dise_name, drugCodes: d.med_list_codgs })),
      presented: { certType, certNo },
      ...(b.psn_cert_type ? { psnCertType: b.psn_cert_type } : {}),
      insutype: insu?.insutype ?? '',
      balanceFen: insu ? yuanToFen(insu.balc) : 0,
    };
  }

  async decodeEVoucher(qrcode: string): Promise<string> {
    return (await translated(() => this.client.decodeEVoucher(qrcode))).output.ec_token;
  }

  async preSettle(req: SettlementRequest): Promise<SettlementAmounts> {
    return amounts((await translated(() => this.client.preSettle(settlementInput(req)))).output.setlinfo);
  }

  nextMsgid(): string {
    return this.client.nextMsgid();
  }

  async settle(req: SettlementRequest, msgid: string): Promise<SettlementAmounts> {
    return amounts((await translated(() => this.client.settle(settlementInput(req), { msgid }), true)).output.setlinfo);
  }

  /** Success is infcode 0 (the national 2601 output carries nothing): whatever 2102 did is undone. */
  async reverseByMsgid(psnNo: string, msgid: string): Promise<{ reversed: boolean }> {
    // Success is infcode 0 (the national 2601 output carries nothing the caller needs; issue 13).
    await translated(() => this.client.reverseByMsgid({ data: { psn_no: psnNo, omsgid: msgid, oinfno: '2102' } }), true);
    return { reversed: true };
  }

  async reverseSettlement(setlId: string, mdtrtId: string, psnNo: string, msgid: string): Promise<void> {
    await translated(() => this.client.reverseSettlement({ data: { setl_id: setlId, mdtrt_id: mdtrtId, psn_no: psnNo } }, { msgid }), true);
  }
}
