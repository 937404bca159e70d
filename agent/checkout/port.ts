// What checkout needs from the insurance platform, in the box's own terms (fen, pieces, product ids).
// sync/settlement-port.ts implements it with the NHSA messages; tests may use the real simulator through it.
import type { PersonView } from '../rules/types.js';

export interface InsuredPerson extends PersonView {
  /** The certificate presented (e-voucher token, ID number or card number), as 1101 was called with. */
  presented: { certType: '01' | '02' | '03'; certNo: string };
  insutype: string;
  /** 人员证件类型 as 1101 returned it (3505 psn_cert_type). */
  psnCertType?: string;
  balanceFen: number;
  age?: number;
  gender?: string;
}

export interface SettlementLine {
  itemId: number;
  productId: string;
  nhsaCode: string;
  name: string;
  pieces: number;
  /** Fen for these pieces. */
  price: number;
  pricePerPack: number;
  piecesPerPack: number;
  code?: string | undefined;
  split: boolean;
  rx: boolean;
}

export interface SettlementRequest {
  saleId: number;
  person: InsuredPerson;
  chronicDisease?: { code: string; name: string } | undefined;
  /** Fen, the insured lines only. */
  total: number;
  lines: SettlementLine[];
  prescription?: { rxNo: string; doctorName: string } | undefined;
  at: Date;
}

export interface SettlementAmounts {
  setlId: string;
  mdtrtId: string;
  totalFen: number;
  fundPayFen: number;
  accountPayFen: number;
  cashPayFen: number;
  balanceFen: number;
}

export interface SettlementPort {
  /** 1101. Throws PlatformError (sync/errors) on refusal or failure. */
  lookupPerson(certType: '01' | '02' | '03', certNo: string, name?: string): Promise<InsuredPerson>;
  /** 1161: an e-voucher QR code → the token 1101 takes with cert type 01. */
  decodeEVoucher(qrcode: string): Promise<string>;
  /** 2101: the platform's calculation, nothing charged. */
  preSettle(req: SettlementRequest): Promise<SettlementAmounts>;
  /** A msgid for 2102, persisted with the sale before the call. */
  nextMsgid(): string;
  /** 2102 with that msgid. */
  settle(req: SettlementRequest, msgid: string): Promise<SettlementAmounts>;
  /** 2601: reverse whatever 2102 `msgid` did; `reversed: false` when it did nothing. */
  reverseByMsgid(psnNo: string, msgid: string): Promise<{ reversed: boolean }>;
  /** 2103 with that msgid: reverse a settlement (the same msgid again gets the same answer). */
  reverseSettlement(setlId: string, mdtrtId: string, psnNo: string, msgid: string): Promise<void>;
}
