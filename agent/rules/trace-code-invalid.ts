// TRACE_CODE_INVALID: the scanner read something that is not a trace code. The classifier already
// explains why; every other scan rule stays silent for an invalid scan.
import { scanRefusal } from './common.js';
import { msg } from './messages.js';
import type { Refusal, ScanContext } from './types.js';

export function traceCodeInvalid(ctx: ScanContext): Refusal[] {
  if (ctx.scan.kind !== 'invalid') return [];
  return [scanRefusal(ctx, 'TRACE_CODE_INVALID', msg.traceCodeInvalid(ctx.scan.message))];
}
