// Resident ID numbers (GB 11643-1999): 6-digit area, 8-digit birth date, 3-digit sequence (odd = male),
// the 18th character the ISO 7064 MOD 11-2 check character of the first 17 digits. Pure.

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';

/** The 18th character for the first 17 digits. */
export function idCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError(`need 17 digits, got ${JSON.stringify(first17)}`);
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

export function makeIdNumber(area: string, birthYyyyMmDd: string, seq: string): string {
  const first17 = `${area}${birthYyyyMmDd}${seq}`;
  return first17 + idCheckChar(first17);
}

/** True when `id` is 17 digits plus the right check character (X in either case). */
export function isValidIdNumber(id: string): boolean {
  const up = id.toUpperCase();
  return /^\d{17}[\dX]$/.test(up) && idCheckChar(up.slice(0, 17)) === up[17];
}

/** Whole years from birth date to `onDate` (both yyyy-MM-dd). */
export function ageOn(birth: string, onDate: string): number {
  const [by, bm, bd] = birth.split('-').map(Number) as [number, number, number];
  const [y, m, d] = onDate.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}
