// The one mapping layer between the national message shape and a province profile (sync/spec/profiles/).
// The mappers always build the national shape; the client applies the profile just before sending, and the
// simulator set to the same profile validates against the renamed table.
import { national } from './profiles/national.js';
import { prodentpName } from './profiles/prodentp-name.js';
import type { Profile } from './profiles/types.js';
import type { FieldSpec, InterfaceSpec } from './types.js';

export type { Profile } from './profiles/types.js';

export const PROFILES: Readonly<Record<string, Profile>> = { [national.name]: national, [prodentpName.name]: prodentpName };
export const PROFILE_NAMES = Object.keys(PROFILES);

export function profileByName(name: string | undefined): Profile {
  const p = PROFILES[name ?? 'national'];
  if (!p) throw new Error(`unknown platform profile ${JSON.stringify(name)}; known: ${PROFILE_NAMES.join(', ')}`);
  return p;
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Renames keeping the field order (the signed bytes follow the object's order). */
function renameKeys(rec: Rec, names: Readonly<Record<string, string>>): Rec {
  return Object.fromEntries(Object.entries(rec).map(([k, v]) => [names[k] ?? k, v]));
}

/** The national-shape input of `infno` as the profile's province expects it. */
export function applyProfile(profile: Profile, infno: string, input: unknown): unknown {
  const byNode = profile.renames[infno];
  if (!byNode || !isRec(input)) return input;
  const out: Rec = { ...input };
  for (const [node, names] of Object.entries(byNode)) {
    const v = out[node];
    if (isRec(v)) out[node] = renameKeys(v, names);
    else if (Array.isArray(v)) out[node] = v.map((r) => (isRec(r) ? renameKeys(r, names) : r));
  }
  return out;
}

/** The table of `spec` as the profile's province writes it. */
export function profiledSpec(profile: Profile, spec: InterfaceSpec): InterfaceSpec {
  const byNode = profile.renames[spec.infno];
  if (!byNode) return spec;
  const rename = (fields: readonly FieldSpec[], names: Readonly<Record<string, string>> | undefined): FieldSpec[] =>
    fields.map((f) => (names?.[f.name] ? { ...f, name: names[f.name]! } : f));
  return { ...spec, input: spec.input.map((nd) => ({ ...nd, fields: rename(nd.fields, byNode[nd.node]) })) };
}
