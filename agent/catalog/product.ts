import { gs1CheckDigitValid, normalizeGtin } from '../tracecode/index.js';

export const PRODUCT_CATEGORIES = ['drug', 'herbal', 'device', 'health_food', 'cosmetic', 'daily'] as const;
export type ProductCategory = (typeof PRODUCT_CATEGORIES)[number];

/** DESIGN 6.3 Product. Money in integer fen, quantities in integer pieces. */
export interface Product {
  id: string;
  name: string;
  spec: string;
  manufacturer: string;
  approvalNo: string;
  nhsaCode: string;
  barcode?: string | undefined;
  /** 7-digit drug id that prefixes this product's 20-digit 码上放心 codes (sales unit). */
  tracePrefix?: string | undefined;
  /** Stored as GTIN-14. */
  gtin?: string | undefined;
  rx: boolean;
  insured: boolean;
  category: ProductCategory;
  piecesPerPack: number;
  pricePerPack: number;
  traceExempt?: boolean | undefined;
  maxDailyPieces?: number | undefined;
}

/** JSON Schema for one Product; used by the HTTP route and the CSV import alike. */
export const productSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'spec', 'manufacturer', 'approvalNo', 'nhsaCode', 'rx', 'insured', 'category', 'piecesPerPack', 'pricePerPack'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 64 },
    name: { type: 'string', minLength: 1, maxLength: 200 },
    spec: { type: 'string', maxLength: 200 },
    manufacturer: { type: 'string', maxLength: 200 },
    approvalNo: { type: 'string', maxLength: 100 },
    nhsaCode: { type: 'string', maxLength: 50 },
    barcode: { type: 'string', pattern: '^[0-9]{8,14}$' },
    tracePrefix: { type: 'string', pattern: '^[0-9]{7}$' },
    gtin: { type: 'string', pattern: '^[0-9]{8,14}$' },
    rx: { type: 'boolean' },
    insured: { type: 'boolean' },
    category: { type: 'string', enum: [...PRODUCT_CATEGORIES] },
    piecesPerPack: { type: 'integer', minimum: 1, maximum: 100000 },
    pricePerPack: { type: 'integer', minimum: 0, maximum: 100_000_000 },
    traceExempt: { type: 'boolean' },
    maxDailyPieces: { type: 'integer', minimum: 1, maximum: 100000 },
  },
} as const;

/**
 * Checks the schema cannot express. Returns problems as `field: what is wrong`, and the product
 * with its GTIN normalised to 14 digits.
 */
export function checkProduct(p: Product): { problems: string[]; product: Product } {
  const problems: string[] = [];
  let gtin: string | undefined;
  if (p.gtin !== undefined && p.gtin !== '') {
    gtin = normalizeGtin(p.gtin);
    if (gtin === undefined) problems.push(`gtin: check digit wrong in "${p.gtin}"`);
  }
  if (p.barcode !== undefined && p.barcode !== '' && !gs1CheckDigitValid(p.barcode)) {
    problems.push(`barcode: check digit wrong in "${p.barcode}"`);
  }
  if (p.insured && p.nhsaCode.trim() === '') problems.push('nhsaCode: required for an insured product');
  if (p.insured && !['drug', 'herbal', 'device'].includes(p.category)) {
    problems.push(`insured: a ${p.category} product cannot be paid by insurance`);
  }
  const product: Product = { ...p, gtin: gtin ?? undefined, barcode: p.barcode || undefined, tracePrefix: p.tracePrefix || undefined };
  return { problems, product };
}
