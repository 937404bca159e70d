// Result types of the trace-code classifier. Other modules import these names; keep them stable.

/** A manufacturer code format from config. `pattern` is JS regex source; the whole scan must match. */
export interface ManufacturerPattern {
  name: string;
  /** Regex source; anchored by compileManufacturerPatterns. A named group (?<product>...) gives productRef. */
  pattern: string;
}

export interface CompiledManufacturerPattern {
  name: string;
  regex: RegExp;
}

export interface ClassifyOptions {
  manufacturerPatterns?: readonly CompiledManufacturerPattern[];
  /**
   * The caller's date, `YYYY-MM-DD` (Asia/Shanghai): the reference of GS1's sliding century window for
   * YYMMDD dates (GenSpecs 7.12). Every caller with a clock passes it; without it years read as 20YY.
   */
  today?: string;
}

/** 码上放心 20-digit code: 7-digit drug/package-level id + 13-digit serial. */
export interface Nmpa20Code {
  kind: 'nmpa20';
  key: string;
  drugId: string;
  serial: string;
  symbology?: string;
}

/** GS1 element string carrying (01). Dates are ISO `YYYY-MM-DD`. */
export interface Gs1Code {
  kind: 'gs1';
  key: string;
  gtin: string;
  serial?: string;
  lot?: string;
  expiry?: string;
  productionDate?: string;
  /** Every element in scan order (raw values, dates as YYMMDD), including AIs we do not interpret. */
  ais: { ai: string; value: string }[];
  symbology?: string;
}

/** A product barcode: identifies a product, never one box. */
export interface Ean13Barcode {
  kind: 'ean13';
  key: string;
  barcode: string;
  symbology?: string;
}

export interface ManufacturerCode {
  kind: 'manufacturer';
  key: string;
  /** Name of the configured pattern that matched. */
  pattern: string;
  productRef?: string;
  symbology?: string;
}

export type InvalidReason = 'empty' | 'bad_characters' | 'bad_length' | 'bad_check_digit' | 'gs1_malformed' | 'gs1_bad_date' | 'not_recognised';

export interface InvalidScan {
  kind: 'invalid';
  reason: InvalidReason;
  /** English, for logs and technicians. */
  detail: string;
  /** Simplified Chinese, for the cashier: what happened and what to do next. */
  message: string;
}

export type ScanClass = Nmpa20Code | Gs1Code | Ean13Barcode | ManufacturerCode | InvalidScan;

/** A scan that identifies one physical box. */
export type TraceCode = Nmpa20Code | (Gs1Code & { serial: string }) | ManufacturerCode;
