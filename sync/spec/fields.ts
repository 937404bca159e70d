// The field constructors every spec table is written with (str, date, datetime, num), and the trace-code list
// node 3501–3513 share: one definition, so a length or a type is changed in one place.
import type { FieldSpec } from './types.js';

export const str = (name: string, cn: string, len: number, req: FieldSpec['req'] = 'O', extra: Partial<FieldSpec> = {}): FieldSpec => ({
  name,
  cn,
  type: 'str',
  len,
  req,
  ...extra,
});
export const date = (name: string, cn: string, req: FieldSpec['req'] = 'O'): FieldSpec => ({ name, cn, type: 'date', req });
export const datetime = (name: string, cn: string, req: FieldSpec['req'] = 'O'): FieldSpec => ({ name, cn, type: 'datetime', req });
export const num = (name: string, cn: string, digits: readonly [number, number], req: FieldSpec['req'] = 'O'): FieldSpec => ({
  name,
  cn,
  type: 'num',
  num: digits,
  req,
});

/** drugtracinfo: the list of trace codes (uploads 3501–3507 and the read-back 3512/3513); 100 because it carries GS1 element strings too. */
export const DRUGTRACINFO: FieldSpec = { name: 'drugtracinfo', cn: '追溯码信息', type: 'str', req: 'O', list: [str('drug_trac_codg', '药品追溯码', 100, 'Y')] };
