// Money crosses the platform boundary as decimal yuan with at most two places ("12.30" or 12.3);
// inside, it is always integer fen. Conversion is done on the decimal text with BigInt, never with
// float arithmetic, so every representable amount converts exactly or is rejected.

const YUAN_RE = /^(-?)(\d+)(?:\.(\d{1,2}))?$/;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Integer fen → yuan string with exactly two places: 1230 → "12.30", -5 → "-0.05". */
export function fenToYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new Error(`fenToYuan: not a safe integer number of fen: ${String(fen)}`);
  const neg = fen < 0;
  const abs = Math.abs(fen);
  const cents = abs % 100;
  // (abs - cents) / 100 is an exact integer division; Math.floor(abs / 100) may round wrongly near 2^53.
  const whole = (abs - cents) / 100;
  return `${neg ? '-' : ''}${whole}.${String(cents).padStart(2, '0')}`;
}

/**
 * Yuan (string, or a JSON number as a platform may send) → integer fen, exactly.
 * Accepts "12", "12.3", "12.30", "-0.05", 12.3. Rejects more than two decimals, exponents,
 * whitespace, empty strings, NaN/Infinity and amounts beyond Number.MAX_SAFE_INTEGER fen.
 */
export function yuanToFen(value: string | number): number {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`yuanToFen: not a finite amount: ${String(value)}`);
    // String() gives the shortest round-trip decimal, so 12.3 → "12.3"; 0.1+0.2 → rejected below.
    text = String(value);
  } else if (typeof value === 'string') {
    text = value;
  } else {
    throw new Error(`yuanToFen: expected a string or number, got ${typeof value}`);
  }
  const m = YUAN_RE.exec(text);
  if (!m) throw new Error(`yuanToFen: not a yuan amount with at most two decimals: ${JSON.stringify(text)}`);
  const sign = m[1] === '-' ? -1n : 1n;
  const fen = BigInt(m[2]!) * 100n + BigInt((m[3] ?? '').padEnd(2, '0'));
  if (fen > MAX_SAFE) throw new Error(`yuanToFen: amount too large: ${text}`);
  const n = Number(sign * fen);
  return n === 0 ? 0 : n; // never -0
}
