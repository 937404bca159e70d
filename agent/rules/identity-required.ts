// IDENTITY_REQUIRED (DESIGN 2.10, real name): insurance settlement needs the insured person identified.
import { msg } from './messages.js';
import type { Refusal, SettleContext } from './types.js';

export function identityRequired(ctx: SettleContext): Refusal[] {
  if (ctx.payment !== 'insurance' || ctx.person) return [];
  return [{ code: 'IDENTITY_REQUIRED', message: msg.identityRequired() }];
}
