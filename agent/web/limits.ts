// Request body limits. Fastify refuses a body over its route's limit from Content-Length before reading it
// (413, worded by errors.ts), and only after the onRequest hook has checked the caller: an unknown caller's
// body is never read at all. Small by default; larger only where the schema allows a large document.
const KB = 1024;
const MB = 1024 * KB;

export const BODY_LIMITS = {
  /** Every other call: a scan, an identity, a prescription, a sign-in — a few hundred bytes each. */
  default: 64 * KB,
  /** POST /api/catalog: up to 100,000 products of ~300 bytes (a chain's whole product master). */
  catalog: 32 * MB,
  /** POST /api/receipts: a delivery with up to ~200,000 trace codes as GS1 strings (~60 bytes each, in JSON). */
  receipt: 16 * MB,
  /** POST /api/inventory/opening: up to 10,000 opening-stock lines (~200 bytes each). */
  opening: 4 * MB,
  /** Stocktake lines and adjustment codes (≤ 10,000 each, tens of bytes), ids to resend (≤ 10,000). */
  bulk: 1 * MB,
} as const;
