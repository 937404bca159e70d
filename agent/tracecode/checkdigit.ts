// GS1 mod-10 check digit (GS1 General Specifications 7.9.1), shared by GTIN-8/12/13/14 and SSCC.

function isDigits(s: string): boolean {
  return /^[0-9]+$/.test(s);
}

/** Check digit for `data` (all digits, without check digit); weights 3,1,3,... from the right. */
export function gs1CheckDigit(data: string): number | undefined {
  if (typeof data !== 'string' || !isDigits(data)) return undefined;
  let sum = 0;
  for (let i = 0; i < data.length; i++) {
    const d = data.charCodeAt(data.length - 1 - i) - 48;
    sum += i % 2 === 0 ? d * 3 : d;
  }
  return (10 - (sum % 10)) % 10;
}

/** True when the last digit of `digits` is the GS1 mod-10 check digit of the rest. */
export function gs1CheckDigitValid(digits: string): boolean {
  if (typeof digits !== 'string' || digits.length < 2 || !isDigits(digits)) return false;
  return gs1CheckDigit(digits.slice(0, -1)) === digits.charCodeAt(digits.length - 1) - 48;
}

/** GTIN-8/12/13/14 with a valid check digit -> GTIN-14 (left-padded with 0); otherwise undefined. */
export function normalizeGtin(s: string): string | undefined {
  if (typeof s !== 'string') return undefined;
  if (![8, 12, 13, 14].includes(s.length) || !gs1CheckDigitValid(s)) return undefined;
  return s.padStart(14, '0');
}
