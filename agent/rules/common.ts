// Small helpers shared by the rule files. Pure.

import { UNKNOWN_PRODUCT } from './messages.js';
import type { Refusal, RefusalCode, ScanContext } from './types.js';

export type CodeScan = Extract<ScanContext['scan'], { kind: 'code' }>;

/** The scan when it is a usable code; undefined for an invalid scan (then only TRACE_CODE_INVALID applies). */
export function codeScan(ctx: ScanContext): CodeScan | undefined {
  return ctx.scan.kind === 'code' ? ctx.scan : undefined;
}

/** Name of the product the scanned code identifies, for messages. */
export function scannedName(ctx: ScanContext): string {
  return ctx.product?.name ?? UNKNOWN_PRODUCT;
}

/** Categories that are medical goods (drugs, herbal pieces, devices), as opposed to health food etc. */
export const MEDICAL_CATEGORIES: ReadonlySet<string> = new Set(['drug', 'herbal', 'device']);

/** Categories the insurance fund never pays (seed 000: 营养保健品、化妆品、生活用品). */
export const NON_INSURANCE_CATEGORIES: ReadonlySet<string> = new Set(['health_food', 'cosmetic', 'daily']);

/** A scan-time refusal; it points at the waiting item when the code was scanned for one. */
export function scanRefusal(ctx: ScanContext, code: RefusalCode, message: string): Refusal {
  return ctx.waitingItem ? { code, message, itemId: ctx.waitingItem.itemId } : { code, message };
}
