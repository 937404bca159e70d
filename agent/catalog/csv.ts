import { Ajv } from 'ajv';
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { formatAjvErrors } from '../../config/errors.js';
import { checkProduct, type Product, productSchema } from './product.js';

/**
 * Column names accepted in a catalogue CSV: the API's own field names, and the Chinese headings a
 * pharmacy's product-master export usually has. Prices under a Chinese heading are in yuan (as the
 * spreadsheet shows them); under `pricePerPack` they are integer fen, like the JSON API.
 */
const HEADER_ALIASES: Record<string, keyof Product | 'priceYuan'> = {
  商品编码: 'id',
  商品编号: 'id',
  编码: 'id',
  药品名称: 'name',
  商品名称: 'name',
  名称: 'name',
  通用名: 'name',
  规格: 'spec',
  生产企业: 'manufacturer',
  生产厂家: 'manufacturer',
  厂家: 'manufacturer',
  批准文号: 'approvalNo',
  医保编码: 'nhsaCode',
  国家医保编码: 'nhsaCode',
  医保目录编码: 'nhsaCode',
  条码: 'barcode',
  条形码: 'barcode',
  商品条码: 'barcode',
  药品标识码: 'tracePrefix',
  追溯码前缀: 'tracePrefix',
  处方药: 'rx',
  是否处方药: 'rx',
  医保: 'insured',
  是否医保: 'insured',
  医保支付: 'insured',
  类别: 'category',
  商品类别: 'category',
  包装数量: 'piecesPerPack',
  每盒数量: 'piecesPerPack',
  最小单位数: 'piecesPerPack',
  零售价: 'priceYuan',
  '零售价(元)': 'priceYuan',
  '零售价（元）': 'priceYuan',
  单价: 'priceYuan',
  免追溯码: 'traceExempt',
  无追溯码: 'traceExempt',
  日最大用量: 'maxDailyPieces',
  每日最大用量: 'maxDailyPieces',
};

const CATEGORY_ALIASES: Record<string, Product['category']> = {
  药品: 'drug',
  西药: 'drug',
  中成药: 'drug',
  中药饮片: 'herbal',
  饮片: 'herbal',
  中药颗粒: 'herbal',
  医疗器械: 'device',
  器械: 'device',
  保健食品: 'health_food',
  化妆品: 'cosmetic',
  日用品: 'daily',
};

const BOOLEAN_FIELDS = new Set(['rx', 'insured', 'traceExempt']);
const INTEGER_FIELDS = new Set(['piecesPerPack', 'pricePerPack', 'maxDailyPieces']);

/** UTF-8 (with or without BOM) when the bytes are valid UTF-8, else GB18030 (Excel's "CSV" on Chinese Windows). */
export function decodeCsv(bytes: Uint8Array): { text: string; encoding: 'utf-8' | 'gb18030' } {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { text: text.replace(/^\uFEFF/, ''), encoding: 'utf-8' };
  } catch {
    return { text: iconv.decode(Buffer.from(bytes), 'gb18030'), encoding: 'gb18030' };
  }
}

/** Exact yuan -> fen ("12.5" -> 1250) without floating point. */
export function yuanTextToFen(text: string): number | undefined {
  const m = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

function parseBool(v: string): boolean | string {
  const t = v.trim().toLowerCase();
  if (['1', 'true', 'yes', 'y', '是', '√'].includes(t)) return true;
  if (['0', 'false', 'no', 'n', '否', ''].includes(t)) return false;
  return v;
}

// verbose: the shared formatter quotes the offending value and the schema's wording.
const ajv = new Ajv({ allErrors: true, verbose: true });
const validateProduct = ajv.compile(productSchema);

export interface CsvImport {
  products: Product[];
  problems: string[];
  encoding: string;
}

/** Parses a catalogue CSV; every problem names its row (as the spreadsheet numbers it) and column. */
export function parseCatalogCsv(bytes: Uint8Array): CsvImport {
  const { text, encoding } = decodeCsv(bytes);
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, relax_column_count: true, trim: true }) as string[][];
  } catch (err) {
    return { products: [], problems: [`CSV syntax: ${(err as Error).message}`], encoding };
  }
  const [header, ...rows] = records;
  if (!header) return { products: [], problems: ['the file is empty'], encoding };
  const problems: string[] = [];
  const fields = header.map((h) => {
    const name = h.trim();
    if (name in productSchema.properties) return name as keyof Product;
    const alias = HEADER_ALIASES[name];
    if (!alias) problems.push(`header: unknown column "${name}"`);
    return alias;
  });
  for (const required of productSchema.required) {
    const present = fields.includes(required) || (required === 'pricePerPack' && fields.includes('priceYuan'));
    if (!present) problems.push(`header: missing column "${required}"`);
  }
  if (problems.length > 0) return { products: [], problems, encoding };

  const products: Product[] = [];
  const firstRowOfId = new Map<string, number>();
  rows.forEach((row, i) => {
    const where = `row ${i + 2}`;
    const obj: Record<string, unknown> = {};
    let badPrice = false;
    fields.forEach((field, col) => {
      const v = row[col] ?? '';
      if (!field) return;
      if (field === 'priceYuan') {
        const fen = yuanTextToFen(v);
        obj.pricePerPack = fen ?? 0;
        badPrice = fen === undefined;
        if (badPrice) problems.push(`${where}: 零售价 "${v}" is not an amount in yuan with at most 2 decimals`);
      } else if (BOOLEAN_FIELDS.has(field)) obj[field] = parseBool(v);
      else if (INTEGER_FIELDS.has(field)) {
        if (v !== '') obj[field] = /^\d+$/.test(v) ? Number(v) : v;
      } else if (field === 'category') obj[field] = CATEGORY_ALIASES[v] ?? v;
      else if (v !== '' || (productSchema.required as readonly string[]).includes(field)) obj[field] = v;
    });
    const id = typeof obj.id === 'string' ? obj.id : '';
    const earlier = firstRowOfId.get(id);
    if (id !== '' && earlier !== undefined) problems.push(`${where}: id "${id}" already used on row ${earlier}`);
    else firstRowOfId.set(id, i + 2);
    if (!validateProduct(obj)) {
      const schemaProblems = formatAjvErrors(validateProduct.errors ?? []).filter((p) => !(badPrice && p.startsWith('pricePerPack:')));
      problems.push(...schemaProblems.map((p) => `${where}: ${p}`));
      return;
    }
    const checked = checkProduct(obj as unknown as Product);
    problems.push(...checked.problems.map((p) => `${where}: ${p}`));
    products.push(checked.product);
  });
  return { products, problems, encoding };
}
