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

/**
 * What a platform call can fail with, in the domain's terms; an adapter (sync/) translates its transport's
 * errors into these. `userMessage` is Chinese a cashier or manager can be shown; `message` is for logs.
 */
export abstract class PlatformPortError extends Error {
  constructor(
    message: string,
    readonly userMessage: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The platform said no, in its own words (`platformMessage`, may be empty; `platformCode` its code). Nothing happened. */
export class PlatformRejectedError extends PlatformPortError {
  constructor(
    message: string,
    userMessage: string,
    readonly platformMessage: string,
    readonly platformCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, userMessage, options);
  }
}

/**
 * The platform could not be reached or gave no usable answer, and nothing happened there. `retryNow`: the
 * adapter has already repaired the cause (a stale sign-in), so one immediate retry may succeed.
 */
export class PlatformUnavailableError extends PlatformPortError {
  constructor(
    message: string,
    userMessage: string,
    readonly retryNow = false,
    options?: { cause?: unknown },
  ) {
    super(message, userMessage, options);
  }
}

/** No usable answer to a call that changes something (2102, 2103, 2601): it may have happened. Resolve before retrying. */
export class PlatformOutcomeUnknownError extends PlatformPortError {}

export interface SettlementPort {
  /** 1101. Throws a PlatformPortError on refusal or failure (so does every call below). */
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
