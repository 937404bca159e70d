// GS1 element-string parser (GS1 General Specifications, section 3 and 7.8) for the two forms a
// scanner or a person gives us: raw (AIs concatenated, GS-terminated) and parenthesised HRI.
// Pure: returns a result object, never throws.

import { gs1CheckDigit, gs1CheckDigitValid } from './checkdigit.js';
import { aiAt, aiEntry, aiPrefixAssigned, type Cset, predefinedLength } from './gs1-ais.js';

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

/**
 * AI length from its first two digits (GS1 GenSpecs figure 5.10.1-2, 2021 edition); undefined = prefix unassigned.
 * Only a hint for error messages now: the parser looks every AI up in the full table (gs1-ais.ts).
 */
export function aiLength(prefix: string): number | undefined {
  if (!/^[0-9]{2}$/.test(prefix)) return undefined;
  const p = Number(prefix);
  if (p <= 2 || (p >= 10 && p <= 22) || p === 30 || p === 37 || p >= 90) return 2;
  if ((p >= 23 && p <= 25) || (p >= 40 && p <= 42) || p === 71) return 3;
  if ((p >= 31 && p <= 36) || p === 39 || p === 43 || p === 70 || p === 72 || (p >= 80 && p <= 82)) return 4;
  return undefined;
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

function unknownAi(text: string, pos: number, shown: string): string {
  const prefix = text.slice(pos, pos + 2);
  if (!/^[0-9]{2}$/.test(prefix)) return `expected an application identifier at position ${pos}, found ${quote(shown)}`;
  if (!aiPrefixAssigned(prefix)) return `AI prefix ${prefix} at position ${pos} is not assigned in the GS1 AI table`;
  return `no AI in the GS1 AI table matches ${quote(shown)} at position ${pos}`;
}

/**
 * Raw form (GenSpecs 7.8.5): an AI of pre-defined length (figure 7.8.5-2) takes its length; any other runs
 * to GS or the end. One GS may follow any element (the Syntax Engine tolerates a superfluous one after a
 * pre-defined-length AI too); two in a row are not a separator but an empty element, so they are refused.
 */
function tokeniseRaw(s: string): Tokens {
  const out: Gs1Element[] = [];
  const stop = (detail: string): Tokens => ({ elements: out, error: fail(detail) });
  let pos = 0;
  while (pos < s.length) {
    if (s[pos] === GS) return stop(`doubled GS separator at position ${pos}`);
    const entry = aiAt(s, pos);
    if (!entry) {
      const len = aiLength(s.slice(pos, pos + 2));
      const ai = s.slice(pos, pos + (len ?? 2));
      if (len !== undefined && (ai.length !== len || !/^[0-9]+$/.test(ai))) {
        return stop(`application identifier at position ${pos} is truncated or not numeric: ${quote(ai)}`);
      }
      return stop(unknownAi(s, pos, s.slice(pos, pos + 4)));
    }
    const ai = entry.ai;
    pos += ai.length;
    const gs = s.indexOf(GS, pos);
    let end = gs === -1 ? s.length : gs;
    if (entry.predefined) {
      const fixed = predefinedLength(entry);
      if (end - pos < fixed) return stop(`AI (${ai}) is truncated: ${end - pos} of ${fixed} characters`);
      end = pos + fixed;
    }
    out.push({ ai, value: s.slice(pos, end) });
    pos = end;
    if (s[pos] === GS) pos++;
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
    if (!/^[0-9]{2,4}$/.test(ai)) return stop(`(${ai}) at position ${pos} is not an application identifier`);
    if (!aiEntry(ai)) {
      const len = aiLength(ai.slice(0, 2));
      if (len !== undefined && len !== ai.length) return stop(`(${ai}) has ${ai.length} digits; AIs starting ${ai.slice(0, 2)} have ${len}`);
      if (!aiPrefixAssigned(ai.slice(0, 2))) return stop(`AI prefix ${ai.slice(0, 2)} in (${ai}) is not assigned in the GS1 AI table`);
      return stop(`(${ai}) is not an application identifier in the GS1 AI table`);
    }
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
 * The century of a YY year, GS1 GenSpecs 7.12 (determination of century in dates): with the current
 * year's last two digits CY, YY − CY from 51 to 99 is last century, from −99 to −50 next century,
 * otherwise this one — the year lies within −49…+50 of the current year. Without a reference date
 * (a caller that has no clock, e.g. a unit test) the year is 20YY.
 */
export function gs1Year(yy: number, today?: string): number {
  const ref = today !== undefined && /^[0-9]{4}-/.test(today) ? Number(today.slice(0, 4)) : undefined;
  if (ref === undefined) return 2000 + yy;
  const century = ref - (ref % 100);
  const diff = yy - (ref % 100);
  if (diff >= 51) return century - 100 + yy;
  if (diff <= -50) return century + 100 + yy;
  return century + yy;
}

/**
 * GS1 YYMMDD -> `YYYY-MM-DD`, or an English reason it is invalid. `today` (`YYYY-MM-DD`, the caller's
 * date) places the century by the sliding window of GenSpecs 7.12 (see gs1Year). DD `00` means the last
 * day of the month (GenSpecs 7.12) unless `dayZero` is false (the `yymmdd` linter).
 */
export function gs1DateToIso(yymmdd: string, today?: string, dayZero = true): { iso: string } | { error: string } {
  if (!/^[0-9]{6}$/.test(yymmdd)) return { error: `${quote(yymmdd)} is not YYMMDD` };
  const year = gs1Year(Number(yymmdd.slice(0, 2)), today);
  return calendarDate(year, yymmdd.slice(2, 4), yymmdd.slice(4, 6), dayZero);
}

function calendarDate(year: number, mm: string, dd: string, dayZero: boolean): { iso: string } | { error: string } {
  const month = Number(mm);
  const day = Number(dd);
  if (month < 1 || month > 12) return { error: `month ${mm} is not 01-12` };
  const last = daysInMonth(year, month);
  if (day > last || (day === 0 && !dayZero)) return { error: `day ${dd} does not exist in ${year}-${mm}` };
  const d = day === 0 ? last : day;
  return { iso: `${String(year).padStart(4, '0')}-${mm}-${String(d).padStart(2, '0')}` };
}

// Character sets of GenSpecs 7.11: figure 7.11-1 (CSET 82), 7.11-2 (CSET 39), 7.11-3 (CSET 64, base64url).
const CSET_82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]$/;
const CSET_39 = /^[#\-/0-9A-Z]$/;
const CSET_64 = /^[A-Za-z0-9\-_=]$/;

function inCset(cset: Cset, ch: string): boolean {
  switch (cset) {
    case 'N':
      return ch >= '0' && ch <= '9';
    case 'X':
      return CSET_82.test(ch);
    case 'Y':
      return CSET_39.test(ch);
    case 'Z':
      return CSET_64.test(ch);
  }
}

const CSET_NAME: Record<Cset, string> = { N: 'numeric', X: 'GS1 character set 82', Y: 'GS1 character set 39', Z: 'GS1 character set 64' };

const range =
  (lo: number, hi: number) =>
  (v: string): string | undefined =>
    Number(v) >= lo && Number(v) <= hi ? undefined : `${v} is not ${String(lo).padStart(v.length, '0')}-${hi}`;

/**
 * The Syntax Dictionary linters (GS1 Barcode Syntax Tests) the box applies: check digits and dates/times,
 * the ones that decide whether a drug pack's data is what it says. Others (GS1 Company Prefix position,
 * country/currency codes, percent-encoding, coupons …) are not checked: no such AI bears on a sale.
 */
const LINTERS: Record<string, (v: string, today: string | undefined) => string | undefined> = {
  csum: (v) => (gs1CheckDigitValid(v) ? undefined : `has check digit ${v.slice(-1)}, expected ${gs1CheckDigit(v.slice(0, -1)) ?? '?'}`),
  yymmd0: (v, today) => dateError(gs1DateToIso(v, today, true)),
  yymmdd: (v, today) => dateError(gs1DateToIso(v, today, false)),
  yyyymmdd: (v) => dateError(calendarDate(Number(v.slice(0, 4)), v.slice(4, 6), v.slice(6, 8), false)),
  hhmi: (v) => range(0, 23)(v.slice(0, 2)) ?? range(0, 59)(v.slice(2, 4)),
  hh: range(0, 23),
  mi: range(0, 59),
  ss: range(0, 59),
  nonzero: (v) => (/^0+$/.test(v) ? `${v} must not be zero` : undefined),
  zero: (v) => (v === '0' ? undefined : `${v} must be 0`),
  yesno: (v) => (v === '0' || v === '1' ? undefined : `${v} is not 0 or 1`),
};

const DATE_LINTERS = new Set(['yymmd0', 'yymmdd', 'yyyymmdd', 'hhmi', 'hh', 'mi', 'ss']);

function dateError(d: { iso: string } | { error: string }): string | undefined {
  return 'error' in d ? d.error : undefined;
}

/** Checks one element's value against its AI's specification; undefined when fine. */
function checkValue(ai: string, value: string, form: Gs1Form, today: string | undefined): Gs1Failure | undefined {
  const entry = aiEntry(ai);
  if (!entry) return fail(`(${ai}) is not an application identifier in the GS1 AI table`);
  if (value.length === 0) return fail(`AI (${ai}) has an empty value`);
  const { components } = entry;
  const min = components.reduce((n, c) => n + (c.optional ? 0 : c.min), 0);
  const max = components.reduce((n, c) => n + c.max, 0);
  if (min === max && value.length !== max) {
    return fail(`AI (${ai}) value ${quote(value)} has ${value.length} characters; expected exactly ${max}`);
  }
  if (value.length > max) {
    const hint = form === 'raw' ? ' (missing GS separator?)' : '';
    return fail(`AI (${ai}) value is ${value.length} characters; maximum is ${max}${hint}`);
  }
  if (value.length < min) return fail(`AI (${ai}) value ${quote(value)} has ${value.length} characters; minimum is ${min}`);
  let pos = 0;
  for (const c of components) {
    if (pos >= value.length && c.optional) break;
    const len = Math.min(c.max, value.length - pos);
    if (len < c.min) return fail(`AI (${ai}) value ${quote(value)} is too short for its format`);
    const part = value.slice(pos, pos + len);
    for (let i = 0; i < part.length; i++) {
      const ch = part.charAt(i);
      // Blanks and brackets would be ambiguous in the typed form even where CSET 82 has them.
      const bracket = form === 'parenthesised' && (ch === '(' || ch === ')');
      if (c.cset === 'N' && ch >= '0' && ch <= '9') continue;
      if (c.cset === 'N' && ch > ' ' && ch <= '~') {
        return fail(`AI (${ai}) must be numeric; found ${quote(ch)} at index ${pos + i} of ${quote(value)}`);
      }
      if (bracket || !inCset(c.cset, ch)) {
        return fail(`AI (${ai}) contains character ${codePoint(ch)} at index ${pos + i}, not allowed in GS1 data (${CSET_NAME[c.cset]})`);
      }
    }
    for (const name of c.linters) {
      const problem = LINTERS[name]?.(part, today);
      if (problem === undefined) continue;
      if (name === 'csum') return fail(`AI (${ai}) ${part} ${problem}`, 'bad_check_digit');
      return fail(`AI (${ai}) ${DATE_LINTERS.has(name) ? 'date ' : ''}${part}: ${problem}`, DATE_LINTERS.has(name) ? 'gs1_bad_date' : 'gs1_malformed');
    }
    pos += len;
  }
  return undefined;
}

/** Parses a GS1 element string (symbology id and leading FNC1 already removed). Requires (01). */
export function parseGs1(text: string, form: Gs1Form, today?: string): Gs1Result {
  const tokens = form === 'raw' ? tokeniseRaw(text) : tokeniseParenthesised(text);
  const seen = new Map<string, string>();
  const ais: Gs1Element[] = [];
  for (const el of tokens.elements) {
    const bad = checkValue(el.ai, el.value, form, today);
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
  if (expiry !== undefined) out.expiry = isoOrEmpty(expiry, today);
  if (produced !== undefined) out.productionDate = isoOrEmpty(produced, today);
  return out;
}

/** Dates were validated in checkValue; this only unwraps. */
function isoOrEmpty(yymmdd: string, today: string | undefined): string {
  const d = gs1DateToIso(yymmdd, today);
  return 'iso' in d ? d.iso : '';
}
