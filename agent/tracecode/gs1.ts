// GS1 element-string parser (GS1 General Specifications, section 3 and 7.8) for the two forms a
// scanner or a person gives us: raw (AIs concatenated, GS-terminated) and parenthesised HRI.
// Pure: returns a result object, never throws.

import { gs1CheckDigit, gs1CheckDigitValid } from './checkdigit.js';

/** ASCII GS (0x1D): FNC1 as transmitted by scanners; terminates variable-length fields. */
export const GS = '\u001d';

export type Gs1Form = 'raw' | 'parenthesised';

export interface Gs1Element {
  ai: string;
  value: string;
}

export type Gs1Result =
  | {
      ok: true;
      gtin: string;
      serial?: string;
      lot?: string;
      expiry?: string;
      productionDate?: string;
      ais: Gs1Element[];
    }
  | { ok: false; reason: 'gs1_malformed' | 'gs1_bad_date' | 'bad_check_digit'; detail: string };

type Gs1Failure = Extract<Gs1Result, { ok: false }>;

interface AiSpec {
  numeric: boolean;
  fixed?: number;
  max?: number;
  date?: boolean;
}

/** AI length from its first two digits (GS1 GenSpecs figure 5.10.1-2); undefined = prefix unassigned. */
export function aiLength(prefix: string): number | undefined {
  if (!/^[0-9]{2}$/.test(prefix)) return undefined;
  const p = Number(prefix);
  if (p <= 2 || (p >= 10 && p <= 22) || p === 30 || p === 37 || p >= 90) return 2;
  if ((p >= 23 && p <= 25) || (p >= 40 && p <= 42) || p === 71) return 3;
  if ((p >= 31 && p <= 36) || p === 39 || p === 43 || p === 70 || p === 72 || (p >= 80 && p <= 82)) return 4;
  return undefined;
}

/** Data format of the AIs we know; anything else is alphanumeric, variable, no maximum. */
function aiSpec(ai: string): AiSpec {
  const n = Number(ai);
  switch (ai.length) {
    case 2:
      if (n === 0) return { numeric: true, fixed: 18 };
      if (n === 1 || n === 2) return { numeric: true, fixed: 14 };
      if (n >= 11 && n <= 17) return { numeric: true, fixed: 6, date: n !== 14 };
      if (n === 20) return { numeric: true, fixed: 2 };
      if (n === 10 || n === 21 || n === 22) return { numeric: false, max: 20 };
      if (n === 30 || n === 37) return { numeric: true, max: 8 };
      if (n === 90) return { numeric: false, max: 30 };
      if (n >= 91 && n <= 99) return { numeric: false, max: 90 };
      break;
    case 3:
      if (n === 240 || n === 241 || n === 250 || n === 251) return { numeric: false, max: 30 };
      if (n === 254) return { numeric: false, max: 20 };
      if (n >= 410 && n <= 417) return { numeric: true, fixed: 13 };
      if (n >= 710 && n <= 716) return { numeric: false, max: 20 };
      break;
    case 4:
      if (n >= 3100 && n <= 3699) return { numeric: true, fixed: 6 };
      break;
  }
  return { numeric: false };
}

function fail(detail: string, reason: Gs1Failure['reason'] = 'gs1_malformed'): Gs1Failure {
  return { ok: false, reason, detail };
}

function quote(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}...` : s);
}

function codePoint(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Elements read so far and, if reading stopped early, why; values are checked later in scan order. */
interface Tokens {
  elements: Gs1Element[];
  error?: Gs1Failure;
}

/** Raw form: fixed-length AIs take their length; variable ones run to GS or end of text. */
function tokeniseRaw(s: string): Tokens {
  const out: Gs1Element[] = [];
  const stop = (detail: string): Tokens => ({ elements: out, error: fail(detail) });
  let pos = 0;
  while (pos < s.length) {
    if (s[pos] === GS) {
      // Separator; encoders also put one after fixed-length fields, which is harmless.
      pos++;
      continue;
    }
    const prefix = s.slice(pos, pos + 2);
    const len = aiLength(prefix);
    if (len === undefined) {
      return stop(/^[0-9]{2}$/.test(prefix)
        ? `AI prefix ${prefix} at position ${pos} is not assigned in the GS1 AI table`
        : `expected an application identifier at position ${pos}, found ${quote(s.slice(pos, pos + 4))}`);
    }
    const ai = s.slice(pos, pos + len);
    if (!/^[0-9]+$/.test(ai) || ai.length !== len) {
      return stop(`application identifier at position ${pos} is truncated or not numeric: ${quote(ai)}`);
    }
    pos += len;
    const spec = aiSpec(ai);
    let end: number;
    if (spec.fixed !== undefined) {
      end = Math.min(pos + spec.fixed, s.length);
      const gs = s.indexOf(GS, pos);
      if (gs !== -1 && gs < end) end = gs;
      if (end - pos < spec.fixed) {
        return stop(`AI (${ai}) is truncated: ${end - pos} of ${spec.fixed} characters`);
      }
    } else {
      const gs = s.indexOf(GS, pos);
      end = gs === -1 ? s.length : gs;
    }
    out.push({ ai, value: s.slice(pos, end) });
    pos = end;
  }
  return { elements: out };
}

/** Parenthesised HRI form `(01)...(17)...`: a value runs to the next `(`. Blanks around parts are typed noise. */
function tokeniseParenthesised(s: string): Tokens {
  const out: Gs1Element[] = [];
  const stop = (detail: string): Tokens => ({ elements: out, error: fail(detail) });
  let pos = 0;
  while (pos < s.length) {
    if (s[pos] !== '(') return stop(`expected "(" at position ${pos}, found ${quote(s.slice(pos, pos + 4))}`);
    const close = s.indexOf(')', pos);
    const nextOpen = s.indexOf('(', pos + 1);
    if (close === -1 || (nextOpen !== -1 && nextOpen < close)) return stop(`"(" at position ${pos} is not closed`);
    const ai = s.slice(pos + 1, close).trim();
    const len = aiLength(ai.slice(0, 2));
    if (!/^[0-9]{2,4}$/.test(ai)) return stop(`(${ai}) at position ${pos} is not an application identifier`);
    if (len === undefined) return stop(`AI prefix ${ai.slice(0, 2)} in (${ai}) is not assigned in the GS1 AI table`);
    if (len !== ai.length) return stop(`(${ai}) has ${ai.length} digits; AIs starting ${ai.slice(0, 2)} have ${len}`);
    const end = nextOpen === -1 ? s.length : nextOpen;
    out.push({ ai, value: s.slice(close + 1, end).trim() });
    pos = end;
  }
  return { elements: out };
}

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * GS1 YYMMDD -> `YYYY-MM-DD`, or an English reason it is invalid.
 * Year is 2000+YY: the GS1 sliding century window needs today's date and this module has no clock;
 * drugs on sale now carry 20xx dates. DD `00` means the last day of the month (GenSpecs 7.12).
 */
export function gs1DateToIso(yymmdd: string): { iso: string } | { error: string } {
  if (!/^[0-9]{6}$/.test(yymmdd)) return { error: `${quote(yymmdd)} is not YYMMDD` };
  const year = 2000 + Number(yymmdd.slice(0, 2));
  const month = Number(yymmdd.slice(2, 4));
  const day = Number(yymmdd.slice(4, 6));
  if (month < 1 || month > 12) return { error: `month ${yymmdd.slice(2, 4)} is not 01-12` };
  const last = daysInMonth(year, month);
  if (day > last) return { error: `day ${yymmdd.slice(4, 6)} does not exist in ${year}-${yymmdd.slice(2, 4)}` };
  const dd = day === 0 ? last : day;
  return { iso: `${year}-${yymmdd.slice(2, 4)}-${String(dd).padStart(2, '0')}` };
}

/** Checks one element's value against its AI's format; undefined when fine. */
function checkValue(ai: string, value: string, form: Gs1Form): Gs1Failure | undefined {
  const spec = aiSpec(ai);
  if (value.length === 0) return fail(`AI (${ai}) has an empty value`);
  if (spec.fixed !== undefined && value.length !== spec.fixed) {
    return fail(`AI (${ai}) value ${quote(value)} has ${value.length} characters; expected exactly ${spec.fixed}`);
  }
  if (spec.max !== undefined && value.length > spec.max) {
    const hint = form === 'raw' ? ' (missing GS separator?)' : '';
    return fail(`AI (${ai}) value is ${value.length} characters; maximum is ${spec.max}${hint}`);
  }
  for (let i = 0; i < value.length; i++) {
    const ch = value.charAt(i);
    const c = value.charCodeAt(i);
    // Set 82 plus the few printable ASCII it omits: printers emit them and refusing a real box helps nobody.
    const printable = c >= 0x21 && c <= 0x7e && !(form === 'parenthesised' && (ch === '(' || ch === ')'));
    if (!printable) return fail(`AI (${ai}) contains character ${codePoint(ch)} at index ${i}, not allowed in GS1 data`);
    if (spec.numeric && (c < 0x30 || c > 0x39)) {
      return fail(`AI (${ai}) must be numeric; found ${quote(ch)} at index ${i} of ${quote(value)}`);
    }
  }
  if (spec.date) {
    const d = gs1DateToIso(value);
    if ('error' in d) return fail(`AI (${ai}) date ${value}: ${d.error}`, 'gs1_bad_date');
  }
  return undefined;
}

/** Parses a GS1 element string (symbology id and leading FNC1 already removed). Requires (01). */
export function parseGs1(text: string, form: Gs1Form): Gs1Result {
  const tokens = form === 'raw' ? tokeniseRaw(text) : tokeniseParenthesised(text);
  const seen = new Map<string, string>();
  const ais: Gs1Element[] = [];
  for (const el of tokens.elements) {
    const bad = checkValue(el.ai, el.value, form);
    if (bad) return bad;
    const prev = seen.get(el.ai);
    if (prev !== undefined) {
      // The same AI twice is legal only if both agree (GenSpecs 4.14).
      if (prev !== el.value) return fail(`AI (${el.ai}) appears twice with different values ${quote(prev)} and ${quote(el.value)}`);
      continue;
    }
    seen.set(el.ai, el.value);
    ais.push(el);
  }
  if (tokens.error) return tokens.error;
  if (ais.length === 0) return fail('no GS1 element strings');
  const gtin = seen.get('01');
  if (gtin === undefined) return fail(`no (01) GTIN; found AIs ${ais.map((e) => `(${e.ai})`).join('')}`);
  if (!gs1CheckDigitValid(gtin)) {
    return fail(`AI (01) GTIN ${gtin} has check digit ${gtin.slice(-1)}, expected ${gs1CheckDigit(gtin.slice(0, -1)) ?? '?'}`, 'bad_check_digit');
  }
  const out: Extract<Gs1Result, { ok: true }> = { ok: true, gtin, ais };
  const serial = seen.get('21');
  const lot = seen.get('10');
  const expiry = seen.get('17');
  const produced = seen.get('11');
  if (serial !== undefined) out.serial = serial;
  if (lot !== undefined) out.lot = lot;
  if (expiry !== undefined) out.expiry = isoOrEmpty(expiry);
  if (produced !== undefined) out.productionDate = isoOrEmpty(produced);
  return out;
}

/** Dates were validated in checkValue; this only unwraps. */
function isoOrEmpty(yymmdd: string): string {
  const d = gs1DateToIso(yymmdd);
  return 'iso' in d ? d.iso : '';
}
