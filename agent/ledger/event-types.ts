// The ledger's events: one typed union for every event type and its payload, as the writers append them
// and as readers (verify, the outbox's mappers in sync/) see them. Payloads are stored as canonical JSON,
// so a field added later is optional here: events written before it lack it.

/** What a receipt or opening line records of the product, so a later catalogue edit cannot change history. */
export interface ProductSnapshot {
  nhsaCode: string;
  name: string;
  spec?: string;
  manufacturer: string;
  approvalNo: string;
  rx: boolean;
}

/** A received or counted-in lot line (receipt.recorded, stock.opening_recorded). */
export interface LotLine {
  lineNo: number;
  /** Our batch id (fixmedins_bchno). */
  bchno: string;
  productId: string;
  product: ProductSnapshot;
  lot: string;
  mfgDate: string | null;
  expiry: string;
  packs?: number;
  piecesPerPack: number;
  pieces: number;
  pricePerPack: number;
  /** Trace codes received (receipts); opening stock has none. */
  codes?: string[] | undefined;
}

/** What a sold line records of the product. */
export interface SoldProduct {
  nhsaCode: string;
  name: string;
  rx: boolean;
  piecesPerPack: number;
}

export interface SoldLine {
  itemId: number;
  /** This line's record id (fixmedins_bchno of its 3505). */
  bchno: string;
  /** The lot the pieces came from. */
  lotBchno: string;
  productId: string;
  product: SoldProduct;
  lot: string;
  mfgDate: string | null;
  expiry: string;
  code: string | null;
  pieces: number;
  split: boolean;
  /** Fen for these pieces. */
  price: number;
  claimed: boolean;
}

export interface SettlementTotals {
  total: number;
  fundPay: number;
  accountPay: number;
  cashPay: number;
}

export interface ReceiptRecordedPayload {
  receiptId: number;
  supplier: string;
  invoiceNo: string;
  deliveryNoteNo: string;
  procurementOrderNo: string | null;
  filingRef: string | null;
  lines: LotLine[];
}

export interface OpeningRecordedPayload {
  receiptId: number;
  note: string | null;
  procurementOrderNo?: string | null;
  filingRef?: string | null;
  lines: LotLine[];
}

export interface SaleSettledPayload {
  saleId: number;
  counter: string;
  payment: 'insurance' | 'self_pay';
  psnNo?: string;
  personName?: string;
  chronicDisease?: string;
  setlId?: string;
  mdtrtId?: string;
  msgid?: string;
  totals: SettlementTotals;
  prescription?: { rxNo: string; doctorName: string; institutionCode: string };
  /** 人员证件类型 from 1101 (3505 psn_cert_type). */
  psnCertType?: string;
  /** The pharmacist on duty at settlement (药师在岗; 3505 phar_name / phar_prac_cert_no). */
  pharmacist?: { name: string; certNo: string };
  items: SoldLine[];
}

export interface SaleReversedPayload {
  saleId: number;
  settledSeq: number;
  reason: string;
  setlId?: string;
  psnNo?: string;
  /** The settled lines again, each with its own record id; `saleBchno` is the line's id in the sale. */
  items: (SoldLine & { saleBchno: string })[];
}

export interface StockAdjustedPayload {
  bchno: string;
  lotBchno: string;
  productId: string;
  product: SoldProduct;
  lot: string;
  mfgDate: string | null;
  expiry: string;
  /** Pieces added (positive) or removed (negative). */
  delta: number;
  pricePerPack: number;
  /** Coded boxes written off, with the pieces each still held. */
  codes: { code: string; pieces: number }[];
  reason: string;
}

/** A store of the chain, as HQ names it. */
export interface StoreRef {
  store: string;
  name: string | null;
}

/** One lot's boxes in a transfer (调拨), with everything the receiving store needs to stock them. */
export interface TransferLotLine {
  /** This store's 3502 record id for the line (fixmedins_bchno); at the receiver also its new lot's batch id. */
  bchno: string;
  /** The lot the boxes came from (the shipping store's batch id). */
  lotBchno: string;
  productId: string;
  product: ProductSnapshot & { piecesPerPack: number };
  lot: string;
  mfgDate: string | null;
  expiry: string;
  pricePerPack: number;
  /** The lot's procurement order or filing at the shipping store: the boxes stay 网采 at the receiver. */
  procurementOrderNo: string | null;
  filingRef: string | null;
  /** Boxes with the pieces each still holds (a split box travels with what is left). */
  codes: { code: string; pieces: number }[];
}

export interface TransferShippedPayload {
  transferId: string;
  from: StoreRef;
  to: StoreRef;
  lines: TransferLotLine[];
}

export interface TransferReceivedPayload {
  transferId: string;
  from: StoreRef;
  to: StoreRef;
  receiptId: number;
  /** The boxes taken into stock, grouped by lot as shipped. */
  lines: TransferLotLine[];
  /** On the manifest, not scanned in (短少). */
  missing: string[];
  /** Scanned in, not on the manifest (多出): listed, not stocked. */
  extra: string[];
}

export interface CatalogImportedPayload {
  /** The products as imported (Product without undefined fields). */
  products: Record<string, unknown>[];
}

/** Event type → payload: the one table of what the ledger records. */
export interface LedgerEventPayloads {
  'catalog.imported': CatalogImportedPayload;
  'receipt.recorded': ReceiptRecordedPayload;
  'stock.opening_recorded': OpeningRecordedPayload;
  'sale.settled': SaleSettledPayload;
  'sale.reversed': SaleReversedPayload;
  'stock.adjusted': StockAdjustedPayload;
  'transfer.shipped': TransferShippedPayload;
  'transfer.received': TransferReceivedPayload;
}

export type LedgerEventType = keyof LedgerEventPayloads;

/** One ledger event as read back (payload parsed). */
export type LedgerEventOf<T extends LedgerEventType> = { seq: number; at: string; type: T; actor: string | null; payload: LedgerEventPayloads[T] };

export type LedgerEvent = { [T in LedgerEventType]: LedgerEventOf<T> }[LedgerEventType];
