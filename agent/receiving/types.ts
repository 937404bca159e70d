import type { Product } from '../catalog/product.js';

export interface ReceiptLineInput {
  productId: string;
  lot: string;
  mfgDate: string;
  expiry: string;
  packs: number;
  pricePerPack: number;
  codes: string[];
}

/** DESIGN 6.3 POST /api/receipts body. `filingRef` (备案采购 record) is our extension for stock bought off-platform with a filing. */
export interface ReceiptInput {
  supplier: string;
  invoiceNo: string;
  deliveryNoteNo: string;
  procurementOrderNo?: string | undefined;
  filingRef?: string | undefined;
  lines: ReceiptLineInput[];
}

export interface ReceiptProblem {
  code: string;
  /** Chinese, for the manager: what is wrong and what to do. */
  message: string;
  /** 1-based receipt line. */
  line?: number;
  traceCode?: string;
}

export interface AcceptedLine {
  lineNo: number;
  product: Product;
  lot: string;
  mfgDate: string;
  expiry: string;
  packs: number;
  pieces: number;
  pricePerPack: number;
  /** Canonical code keys (see tracecode classify), one per box. */
  codes: string[];
}

export type ReceiptVerdict = { ok: true; lines: AcceptedLine[] } | { ok: false; problems: ReceiptProblem[] };

/** What the ledger already knows about a code, as far as receiving cares. */
export type KnownCodeState = 'in_stock' | 'sold' | 'returned_to_supplier' | 'written_off' | 'in_transit';

export const receiptSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['supplier', 'invoiceNo', 'deliveryNoteNo', 'lines'],
  properties: {
    supplier: { type: 'string', maxLength: 200 },
    invoiceNo: { type: 'string', maxLength: 64 },
    deliveryNoteNo: { type: 'string', maxLength: 64 },
    procurementOrderNo: { type: 'string', maxLength: 64 },
    filingRef: { type: 'string', maxLength: 64 },
    lines: {
      type: 'array',
      maxItems: 1000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['productId', 'lot', 'mfgDate', 'expiry', 'packs', 'pricePerPack', 'codes'],
        properties: {
          productId: { type: 'string', minLength: 1, maxLength: 64 },
          lot: { type: 'string', minLength: 1, maxLength: 40 },
          mfgDate: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' },
          expiry: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' },
          packs: { type: 'integer', minimum: 1, maximum: 1_000_000 },
          pricePerPack: { type: 'integer', minimum: 0, maximum: 100_000_000 },
          codes: { type: 'array', maxItems: 1_000_000, items: { type: 'string', maxLength: 200 } },
        },
      },
    },
  },
} as const;
