/**
 * Price of one piece (the minimum unit the platform counts in) in yuan, from an integer-fen pack price.
 * Pieces rarely divide the pack price evenly (11.00 yuan / 24 pieces), so it is written with 6 decimals,
 * rounded half-up with BigInt arithmetic: quantities in pieces times this price give back the pack total
 * to the fen.
 */
export function piecePriceYuan(packFen: number, piecesPerPack: number): string {
  if (!Number.isSafeInteger(packFen) || packFen < 0 || !Number.isSafeInteger(piecesPerPack) || piecesPerPack <= 0) {
    throw new Error(`piecePriceYuan: bad pack price ${packFen} fen / ${piecesPerPack} pieces`);
  }
  // yuan * 10^6 = fen * 10^4 / pieces
  const scaled = (BigInt(packFen) * 10_000n * 2n + BigInt(piecesPerPack)) / (2n * BigInt(piecesPerPack));
  const whole = scaled / 1_000_000n;
  const frac = (scaled % 1_000_000n).toString().padStart(6, '0');
  return `${whole}.${frac}`;
}
