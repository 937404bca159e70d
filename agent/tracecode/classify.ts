// Entry point: classify whatever a barcode scanner read. Pure and total: never throws, for any input.

import { Buffer } from 'node:buffer';
import { gs1CheckDigit, gs1CheckDigitValid, normalizeGtin } from './checkdigit.js';
import { GS, type Gs1Result, parseGs1 } from './gs1.js';
import type {
  ClassifyOptions,
  CompiledManufacturerPattern,
  InvalidReason,
  InvalidScan,
  ManufacturerCode,
  ManufacturerPattern,
  ScanClass,
  TraceCode,
} from './types.js';

/** Longer than any real code; bounds the work (and config regexes) on junk such as a stuck scanner. */
export const MAX_SCAN_LENGTH = 1024;

/**
 * AIM symbology identifiers (ISO/IEC 15424; GS1 GenSpecs 5.1.2, symbology identifiers) whose content is a GS1 element
 * string: GS1 DataMatrix, GS1-128, GS1 QR Code, GS1 DataBar, GS1 DotCode. Any other identifier (]d1 DataMatrix,
 * ]C0 Code 128, ]Q1 QR Code, ]J0 DotCode …) says the symbol is not in GS1 mode: its text is not GS1 data.
 */
const GS1_SYMBOLOGIES = new Set([']d2', ']C1', ']Q3', ']e0', ']J1']);

const NOT_GS1_MESSAGE = '该条码不是GS1格式，读出的内容不能作为追溯码：请扫描药品包装上的追溯码；如反复出现，请联系技术人员检查扫码枪设置';

const MESSAGES: Record<InvalidReason, string> = {
  empty: '没有读到内容：请重新扫描药品包装上的追溯码',
  bad_characters: '扫描内容含有异常字符：请重新扫描；如反复出现，请联系技术人员检查扫码枪设置',
  bad_length: '追溯码位数不对，可能没有扫完整：请重新扫描药品包装上的追溯码',
  bad_check_digit: '条码校验失败，可能读错：请重新扫描；如仍失败，请将该药品交药师核对',
  gs1_malformed: '追溯码格式不完整或有误：请重新扫描药品包装上的追溯码',
  gs1_bad_date: '追溯码中的日期无效：请重新扫描；如仍提示，请将该药品交药师核对',
  not_recognised: '追溯码无法识别：请重新扫描药品包装上的追溯码',
};

const PRODUCT_BARCODE_MESSAGE = '这是商品条码，不是追溯码：请扫描药品包装上的追溯码';
const TOO_LONG_MESSAGE = '扫描内容过长，无法识别：请重新扫描药品包装上的追溯码';

function invalid(reason: InvalidReason, detail: string, message: string = MESSAGES[reason]): InvalidScan {
  return { kind: 'invalid', reason, detail, message };
}

function codePoint(s: string, i: number): string {
  return `U+${(s.codePointAt(i) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Anchors and compiles config patterns. Throws an Error naming the pattern if it does not compile.
 * The source is compiled alone first so that text like `a)|(b` cannot escape the anchoring group.
 * No flags: `u` would reject escapes that are harmless in ASCII patterns; `g`/`y` would make matching stateful.
 */
export function compileManufacturerPatterns(patterns: readonly ManufacturerPattern[]): CompiledManufacturerPattern[] {
  return patterns.map((p, i) => {
    const name = typeof p?.name === 'string' && p.name !== '' ? p.name : `#${i + 1}`;
    if (typeof p?.pattern !== 'string' || p.pattern === '') {
      throw new Error(`manufacturer pattern "${name}": pattern must be a non-empty regular expression string`);
    }
    try {
      new RegExp(p.pattern);
      return { name, regex: new RegExp(`^(?:${p.pattern})$`) };
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`manufacturer pattern "${name}": invalid regular expression ${JSON.stringify(p.pattern)}: ${why}`);
    }
  });
}

function matchManufacturer(
  text: string,
  patterns: readonly CompiledManufacturerPattern[] | undefined,
  symbology: string | undefined,
): ManufacturerCode | undefined {
  if (!Array.isArray(patterns)) return undefined;
  for (const p of patterns as readonly unknown[]) {
    try {
      const { name, regex } = p as CompiledManufacturerPattern;
      if (!(regex instanceof RegExp)) continue;
      if (regex.global || regex.sticky) regex.lastIndex = 0;
      const m = regex.exec(text);
      // Whole-scan match even if a caller built its own unanchored regex.
      if (!m || m.index !== 0 || m[0] !== text) continue;
      const code: ManufacturerCode = { kind: 'manufacturer', key: text, pattern: String(name) };
      const ref = m.groups?.['product'];
      if (typeof ref === 'string' && ref !== '') code.productRef = ref;
      if (symbology !== undefined) code.symbology = symbology;
      return code;
    } catch {
      continue; // a hostile regex must not take the counter down
    }
  }
  return undefined;
}

function decode(input: unknown): string | undefined {
  if (typeof input === 'string') return input;
  // latin1, not TextDecoder('latin1') which is really windows-1252: scanners send bytes, GS is 0x1D.
  if (input instanceof Uint8Array) return Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1');
  return undefined;
}

/** Index of the first C0/C1 control character other than GS, or -1. */
function firstControl(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x1d) || (c >= 0x7f && c <= 0x9f)) return i;
  }
  return -1;
}

function gs1Invalid(r: Extract<Gs1Result, { ok: false }>): InvalidScan {
  const message = r.reason === 'bad_check_digit' ? '追溯码中的商品编码校验失败，可能读错：请重新扫描药品包装上的追溯码' : MESSAGES[r.reason];
  return invalid(r.reason, r.detail, message);
}

function gs1Code(r: Extract<Gs1Result, { ok: true }>, symbology: string | undefined): ScanClass {
  const { ok: _ok, ...fields } = r;
  const key = r.serial === undefined ? `01${r.gtin}` : `01${r.gtin}21${r.serial}`;
  return symbology === undefined ? { kind: 'gs1', key, ...fields } : { kind: 'gs1', key, ...fields, symbology };
}

/** Classifies one scan: bytes (latin1) or text, optionally with AIM symbology id. Never throws. */
export function classifyScan(input: string | Uint8Array, opts?: ClassifyOptions): ScanClass {
  try {
    return classifyText(input, opts);
  } catch (err) {
    // Belt and braces: a bug here must show as an unrecognised scan, not crash the till.
    return invalid('not_recognised', `internal classifier error: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function classifyText(input: unknown, opts: ClassifyOptions | undefined): ScanClass {
  const decoded = decode(input);
  if (decoded === undefined) {
    return input === undefined || input === null ? invalid('empty', 'no input') : invalid('not_recognised', `unsupported input type ${typeof input}`);
  }
  let text = decoded.trim();
  if (text.length === 0) return invalid('empty', 'scan is empty or only whitespace');
  if (text.length > MAX_SCAN_LENGTH) {
    return invalid('bad_length', `scan is ${text.length} characters; longest accepted is ${MAX_SCAN_LENGTH}`, TOO_LONG_MESSAGE);
  }
  const ctl = firstControl(text);
  if (ctl !== -1) return invalid('bad_characters', `control character ${codePoint(text, ctl)} at index ${ctl}`);

  let symbology: string | undefined;
  if (/^\][A-Za-z][0-9]/.test(text)) {
    symbology = text.slice(0, 3);
    text = text.slice(3);
  }
  // A leading GS is FNC1 in first position: the scanner telling us this is GS1 data. A second one is a
  // doubled separator, which the GS1 parser refuses.
  let fnc1 = false;
  if (text.startsWith(GS)) {
    fnc1 = true;
    text = text.slice(1);
  }
  if (text.trim().length === 0) return invalid('empty', `scan holds no data after symbology id ${symbology ?? ''}`.trim());
  const sym = symbology === undefined ? {} : { symbology };

  // 码上放心 first: a 20-digit code beginning with 8 is never a usable GS1 string (no (01)).
  if (/^8[0-9]{19}$/.test(text)) {
    return { kind: 'nmpa20', key: text, drugId: text.slice(0, 7), serial: text.slice(7), ...sym };
  }

  const parenthesised = /^\(\s*[0-9]{2,4}\s*\)/.test(text);
  const today = typeof opts?.today === 'string' ? opts.today : undefined;
  // A symbology id of a non-GS1 mode is final too: GS1-looking text in it is not GS1 data.
  const notGs1 = symbology !== undefined && !GS1_SYMBOLOGIES.has(symbology);
  // Explicit GS1 (symbology id, FNC1, HRI brackets): the GS1 verdict is final.
  if (!notGs1 && (parenthesised || fnc1 || symbology !== undefined)) {
    const r = parseGs1(text, parenthesised ? 'parenthesised' : 'raw', today);
    return r.ok ? gs1Code(r, symbology) : gs1Invalid(r);
  }

  if (/^[0-9]{13}$/.test(text)) {
    if (gs1CheckDigitValid(text)) return { kind: 'ean13', key: text, barcode: text, ...sym };
    return invalid('bad_check_digit', `EAN-13 ${text} has check digit ${text.slice(-1)}, expected ${gs1CheckDigit(text.slice(0, 12)) ?? '?'}`);
  }

  // Implicit GS1: looks like raw element strings; if it fails, a configured manufacturer format may still match.
  let gs1Failure: InvalidScan | undefined;
  const looksGs1 = (text.startsWith('01') && text.length >= 16) || text.includes(GS);
  if (notGs1 && (looksGs1 || parenthesised || fnc1)) {
    gs1Failure = invalid('not_recognised', `symbology ${symbology ?? ''} is not a GS1 mode; its text is not GS1 element strings`, NOT_GS1_MESSAGE);
  } else if (looksGs1) {
    const r = parseGs1(text, 'raw', today);
    if (r.ok) return gs1Code(r, symbology);
    gs1Failure = gs1Invalid(r);
  }

  const manufacturer = matchManufacturer(text, opts?.manufacturerPatterns, symbology);
  if (manufacturer) return manufacturer;
  if (gs1Failure) return gs1Failure;
  return explainUnrecognised(text);
}

/** Picks the most helpful reason for a scan that matched nothing. */
function explainUnrecognised(text: string): InvalidScan {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7e) return invalid('bad_characters', `non-ASCII character ${codePoint(text, i)} at index ${i}`);
  }
  if (/^[0-9]+$/.test(text)) {
    const n = text.length;
    if (normalizeGtin(text) !== undefined) {
      return invalid('not_recognised', `${n}-digit GTIN product barcode, not a trace code`, PRODUCT_BARCODE_MESSAGE);
    }
    if (n === 20) return invalid('not_recognised', '20 digits but does not begin with 8 as 码上放心 codes do, and is not GS1');
    // Only the 20-digit 码上放心 code has a digit count near 20: this is probably a partial or doubled read.
    if (n >= 16 && n <= 24) return invalid('bad_length', `${n} digits; 码上放心 trace codes have 20`);
  }
  return invalid('not_recognised', `${text.length} characters matching no trace-code format or configured manufacturer pattern`);
}

/** A scan that identifies one box: nmpa20, GS1 with a (21) serial, or a manufacturer code. */
export function isTraceCode(c: ScanClass): c is TraceCode {
  return c.kind === 'nmpa20' || c.kind === 'manufacturer' || (c.kind === 'gs1' && typeof c.serial === 'string');
}
