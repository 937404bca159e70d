// Public API of the trace-code classifier.

export { gs1CheckDigitValid, normalizeGtin } from './checkdigit.js';
export { classifyScan, compileManufacturerPatterns, isTraceCode, MAX_SCAN_LENGTH } from './classify.js';
export { GS, gs1DateToIso } from './gs1.js';
export type {
  ClassifyOptions,
  CompiledManufacturerPattern,
  Ean13Barcode,
  Gs1Code,
  InvalidReason,
  InvalidScan,
  ManufacturerCode,
  ManufacturerPattern,
  Nmpa20Code,
  ScanClass,
  TraceCode,
} from './types.js';
