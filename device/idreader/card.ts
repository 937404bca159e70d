// The card's machine-readable text file and the checks a counter can make on it. Pure, no I/O.
//
// Text file layout (256 bytes, UCS-2 little-endian, space padded), per GA/T 490 as tabulated at
// https://wiki.nfc.im (智能卡手册 › 二代居民身份证) and the same struct in
// github.com/chenhaifeng2016/FaceRecognitionTest IDCardReader/src/IDReader.h; 东信's parsing note
// (eastcoms.com/service/downdrive/533.html) shows the same order with real bytes:
//   name 30 | sex code 2 | nation code 4 | birth 16 (YYYYMMDD) | address 70 | ID number 36 |
//   issuing authority 30 | valid from 16 (YYYYMMDD) | valid to 16 (YYYYMMDD or 长期) | reserved 36
// The photo file is 1024 bytes of WLT, kept as read.

import { isCalendarDate } from '../../common/dates.js';
import { isValidIdNumber } from '../../common/idnumber.js';
import type { IdCard, IdCardProblem } from '../types.js';

export const TEXT_LENGTH = 256;
export const PHOTO_LENGTH = 1024;
export const LONG_TERM = '长期';

const FIELDS = [
  ['name', 30],
  ['sex', 2],
  ['nation', 4],
  ['birthDate', 16],
  ['address', 70],
  ['idNumber', 36],
  ['issuer', 30],
  ['validFrom', 16],
  ['validTo', 16],
] as const;
type TextField = (typeof FIELDS)[number][0];
export type IdCardText = Omit<IdCard, 'photo'>;

const DATE_FIELDS: ReadonlySet<TextField> = new Set(['birthDate', 'validFrom', 'validTo']);

/** Decode the 256-byte text file: padding trimmed, YYYYMMDD turned into YYYY-MM-DD, 长期 kept. */
export function parseTextBlock(text: Uint8Array): IdCardText {
  if (text.length < TEXT_LENGTH) throw new RangeError(`ID card text block is ${text.length} bytes, expected ${TEXT_LENGTH}`);
  const buf = Buffer.from(text.buffer, text.byteOffset, TEXT_LENGTH);
  const out: Record<string, string> = {};
  let at = 0;
  for (const [field, size] of FIELDS) {
    // eslint-disable-next-line no-control-regex
    const raw = buf.toString('utf16le', at, at + size).replace(/^[\s\u0000]+|[\s\u0000]+$/g, '');
    out[field] = DATE_FIELDS.has(field) && /^\d{8}$/.test(raw) ? `${raw.slice(0, 4)}-${raw.slice(4, 6)}-${raw.slice(6)}` : raw;
    at += size;
  }
  return out as unknown as IdCardText;
}

/** Inverse of parseTextBlock (for the simulator and tests); throws if a field does not fit. */
export function encodeTextBlock(card: IdCardText): Uint8Array {
  const buf = Buffer.alloc(TEXT_LENGTH);
  let at = 0;
  for (const [field, size] of FIELDS) {
    let v = card[field];
    if (DATE_FIELDS.has(field) && /^\d{4}-\d{2}-\d{2}$/.test(v)) v = v.replaceAll('-', '');
    const chars = size / 2;
    if (v.length > chars) throw new RangeError(`ID card ${field} ${JSON.stringify(v)} is longer than ${chars} characters`);
    buf.write(v.padEnd(chars, ' '), at, size, 'utf16le');
    at += size;
  }
  buf.write(' '.repeat(18), at, TEXT_LENGTH - at, 'utf16le');
  return new Uint8Array(buf);
}

/**
 * The data of a successful read-basic-info answer (30/01): text length (2 bytes, big-endian, 256), photo
 * length (2 bytes, 1024), the text file, the photo file. Throws RangeError when the lengths do not add up.
 */
export function parseBasicInfo(data: Uint8Array): IdCard {
  if (data.length < 4) throw new RangeError(`read answer has only ${data.length} data bytes`);
  const textLen = (data[0]! << 8) | data[1]!;
  const photoLen = (data[2]! << 8) | data[3]!;
  if (textLen < TEXT_LENGTH || data.length < 4 + textLen + photoLen) {
    throw new RangeError(`read answer has ${data.length} data bytes for text ${textLen} + photo ${photoLen}`);
  }
  return { ...parseTextBlock(data.subarray(4, 4 + TEXT_LENGTH)), photo: data.slice(4 + textLen, 4 + textLen + photoLen) };
}

export function encodeBasicInfo(card: IdCard): Uint8Array {
  const { text, photo } = encodeCard(card);
  const out = new Uint8Array(4 + text.length + photo.length);
  out.set([text.length >> 8, text.length & 0xff, photo.length >> 8, photo.length & 0xff], 0);
  out.set(text, 4);
  out.set(photo, 4 + text.length);
  return out;
}

export function encodeCard(card: IdCard): { text: Uint8Array; photo: Uint8Array } {
  if (card.photo.length > PHOTO_LENGTH) throw new RangeError(`ID card photo is ${card.photo.length} bytes, at most ${PHOTO_LENGTH}`);
  const photo = new Uint8Array(PHOTO_LENGTH);
  photo.set(card.photo);
  return { text: encodeTextBlock(card), photo };
}

/** YYYY-MM-DD of `d` in the box's local time zone (the counter's calendar day). */
export function localDate(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

const RETRY = '请重新读卡或使用有效证件';

/**
 * What is wrong with a card for identifying a person today (YYYY-MM-DD or a Date, local day). Empty when
 * nothing is. The agent must refuse a card with any problem for identity.
 */
export function validateCard(card: IdCardText, today: string | Date): IdCardProblem[] {
  const day = typeof today === 'string' ? today : localDate(today);
  const problems: IdCardProblem[] = [];
  const add = (code: string, message: string, cashierMessage: string): void => {
    problems.push({ code, message, cashierMessage });
  };
  if (!isValidIdNumber(card.idNumber)) {
    add('bad_id_number', 'ID number fails the GB 11643 check digit', `身份证号码校验失败，${RETRY}`);
  }
  if (!isCalendarDate(card.birthDate) || card.birthDate < '1900-01-01' || card.birthDate > day) {
    add('bad_birth_date', `birth date ${JSON.stringify(card.birthDate)} is impossible`, `身份证出生日期无效（${card.birthDate}），${RETRY}`);
  } else if (/^\d{17}/.test(card.idNumber) && card.idNumber.slice(6, 14) !== card.birthDate.replaceAll('-', '')) {
    add('birth_mismatch', 'birth date does not match the ID number', `身份证号码与出生日期不符，${RETRY}`);
  }
  const toOk = card.validTo === LONG_TERM || isCalendarDate(card.validTo);
  if (!isCalendarDate(card.validFrom) || !toOk) {
    add('bad_validity', `validity ${JSON.stringify(card.validFrom)}–${JSON.stringify(card.validTo)} is not a date range`, `身份证有效期无法识别，${RETRY}`);
  } else {
    if (card.validTo !== LONG_TERM && card.validTo < day) {
      add('expired', `card expired on ${card.validTo}`, `身份证已过期（有效期至${card.validTo}），请使用有效证件`);
    }
    if (card.validFrom > day) {
      add('not_yet_valid', `card is valid only from ${card.validFrom}`, `身份证尚未生效（有效期自${card.validFrom}），请使用有效证件`);
    }
  }
  return problems;
}
