// Types shared by the counter rules (DESIGN 2, refusal codes 6.4). Rules are pure functions
// (context) -> Refusal[]; the checkout service gathers the context from the ledger and the platform.
import type { Product } from '../catalog/product.js';

export const REFUSAL_CODES = [
  'TRACE_CODE_MISSING',
  'TRACE_CODE_INVALID',
  'TRACE_CODE_DUPLICATE_IN_SALE',
  'TRACE_CODE_ALREADY_SOLD',
  'TRACE_CODE_NOT_IN_STOCK',
  'TRACE_CODE_PRODUCT_MISMATCH',
  'SPLIT_PACK_EXHAUSTED',
  'NO_PROCUREMENT_RECORD',
  'LOT_EXPIRED',
  'NOT_INSURANCE_PAYABLE',
  'CONSENT_REQUIRED',
  'REPEAT_PURCHASE',
  'QUANTITY_LIMIT',
  'CHRONIC_LIST_MISMATCH',
  'PRESCRIPTION_REQUIRED',
  'PRESCRIPTION_IDENTITY_MISMATCH',
  'IDENTITY_REQUIRED',
  'INSUFFICIENT_STOCK',
  'PLATFORM_REJECTED',
  'PLATFORM_UNAVAILABLE',
  'PHARMACIST_REQUIRED',
  'TRACE_CODE_IN_TRANSIT',
  'TRACE_CODE_SOLD_IN_CHAIN',
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

/** DESIGN 6.3 Refusal: `message` is Chinese for the cashier and says what to do next. */
export interface Refusal {
  code: RefusalCode;
  message: string;
  itemId?: number;
}

// ---------------------------------------------------------------- scan time (adding one item)

/** What the ledger knows about a scanned box code. */
export interface KnownCode {
  key: string;
  productId: string;
  lotId: number;
  /** 'in_stock' | 'sold' | 'returned_to_supplier' | 'written_off' */
  state: string;
  pieces: number;
  piecesSold: number;
}

export interface LotView {
  lotId: number;
  productId: string;
  lot: string;
  expiry: string;
  piecesOnHand: number;
  /** Bought with a procurement-platform order number or a recorded filing (不网采不结算). */
  procured: boolean;
  coded: boolean;
}

/** Scanning a trace code into an open sale. */
export interface ScanContext {
  /** Today in Asia/Shanghai, YYYY-MM-DD. */
  today: string;
  /** The code as classified, or why it is invalid (message already Chinese). */
  scan: { kind: 'invalid'; message: string } | { kind: 'code'; key: string; raw: string; gs1Lot?: string; gs1Expiry?: string };
  /** Product the code identifies by its drug id / GTIN; undefined when no catalogue product matches. */
  product?: Product;
  /** When the cashier scanned a product barcode first, the item waiting for this code. */
  waitingItem?: { itemId: number; productId: string };
  /** The ledger's record of this code, if it was received. */
  known?: KnownCode;
  /** Lot of the known code, or the uncoded (opening-stock) lot the code would be drawn from. */
  lot?: LotView;
  /** Pieces requested: piecesPerPack for a whole box, fewer for split-pack (拆零). */
  pieces: number;
  /** Codes already in this sale (keys). */
  codesInThisSale: ReadonlySet<string>;
  /** Pieces of this code already held by other open sales (not yet settled). */
  piecesHeldElsewhere: number;
  /** When another open sale holds this code: which one, at which counter (named in the refusal). */
  heldBy?: { saleId: number; counter: string };
  /** Pieces of this lot held by open sales (this one included), for lot stock checks. */
  lotPiecesHeld: number;
  /** The box is on a transfer between stores not yet received (shipped from here, or on its way here). */
  inTransit?: { transferId: string; direction: 'out' | 'in'; peerStore: string; peerName: string | null; since: string };
  /**
   * The chain HQ's answer for this code (issue 17), when the store has an HQ and it answered in time:
   * other stores of the chain where the box is sold and not returned, latest first. Absent: no HQ, or no answer.
   */
  chain?: { soldElsewhere: ChainSale[] };
}

/** A sale of the box at another store of the chain, as HQ recorded it. */
export interface ChainSale {
  store: string;
  storeName: string | null;
  /** ISO time of that store's sale. */
  at: string;
}

// ---------------------------------------------------------------- settlement time (whole sale)

export interface SaleItemView {
  itemId: number;
  product: Product;
  /** Canonical code key; undefined while the item waits for its trace code. */
  code?: string;
  lot?: LotView;
  pieces: number;
  /** 拆零 */
  split: boolean;
}

export interface PersonView {
  psnNo: string;
  certType: '01' | '02' | '03';
  /** ID number (身份证号) from 1101, used to match the prescription's patient. */
  certNo: string;
  name: string;
  birthDate?: string;
  /** Registered chronic/special diseases with each one's drug list (national codes). */
  chronicDiseases: { code: string; name: string; drugCodes: string[] }[];
}

export interface PrescriptionView {
  rxNo: string;
  institutionCode: string;
  doctorName: string;
  patientCertNo: string;
  issuedAt: string;
  signed: boolean;
}

/** An earlier settled insurance sale of the same drug (by national code) to the same person. */
export interface PriorPurchase {
  nhsaCode: string;
  /** Shanghai date of settlement, YYYY-MM-DD. */
  date: string;
  /** Supply days that sale covered (ceil(pieces / maxDailyPieces)). */
  days: number;
  chronic: boolean;
}

/** A licensed pharmacist (执业药师) with the 执业药师注册证号 3505 sends as phar_prac_cert_no. */
export interface Pharmacist {
  name: string;
  certNo: string;
}

export interface SettleContext {
  today: string;
  payment: 'insurance' | 'self_pay';
  /** Chronic-disease code the cashier settles under (门慢特病), if any. */
  chronicDisease?: string;
  items: SaleItemView[];
  person?: PersonView;
  prescription?: PrescriptionView;
  /** Product ids the person consented to pay themselves (告知同意 for out-of-catalogue items). */
  consentedProductIds: ReadonlySet<string>;
  /** The person's earlier insurance purchases (this store's history). */
  priorPurchases: PriorPurchase[];
  /** From 2026-01-01 every drug sale carries its codes; a store may turn this off for self-pay. */
  requireTraceCodesForSelfPay: boolean;
  /** The pharmacist on duty at settlement, if any. */
  pharmacist?: Pharmacist;
}

export type ScanRule = (ctx: ScanContext) => Refusal[];
export type SettleRule = (ctx: SettleContext) => Refusal[];
