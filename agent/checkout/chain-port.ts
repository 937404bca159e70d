// What checkout needs from the chain HQ at scan time (issue 17), in the box's own terms. sync/hq/chain-check.ts
// implements it over HTTP; app.ts wires it when the config has an `hq` section. The adapter never throws and never
// takes longer than its timeout: HQ is advisory input to a scan that stays local, atomic and synchronous.
import type { ChainSale } from '../rules/types.js';

export type ChainAnswer =
  /** HQ answered: the other stores of the chain where this box is sold and not returned (this store left out), latest first. */
  | { kind: 'answered'; soldElsewhere: ChainSale[] }
  /** No usable answer in time (down, slow, 5xx, garbage): the scan goes ahead, the line is marked for a recheck. */
  | { kind: 'unchecked'; reason: string };

export interface ChainCodePort {
  check(code: string): Promise<ChainAnswer>;
}
