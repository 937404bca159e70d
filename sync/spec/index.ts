// Every interface the box sends, as data (one table per interface; sources cited beside each).
import { SPEC_1101, SPEC_1161, SPEC_2101, SPEC_2102, SPEC_2103, SPEC_2601, SPEC_3601, SPEC_9001 } from './calls.js';
import { type Profile, profileByName, profiledSpec } from './profile.js';
import { SPEC_3512, SPEC_3513 } from './queries.js';
import type { InterfaceSpec, SpecProblem } from './types.js';
import { SPEC_3501, SPEC_3502, SPEC_3503, SPEC_3504, SPEC_3505, SPEC_3506, SPEC_3507 } from './uploads.js';
import { describeProblem, validateNodes } from './validate.js';

export { applyProfile, PROFILE_NAMES, type Profile, profileByName } from './profile.js';
export type { FieldSpec, InterfaceSpec, NodeSpec, SpecProblem } from './types.js';
export { describeProblem, outputRows } from './validate.js';

export const SPECS: Readonly<Record<string, InterfaceSpec>> = Object.fromEntries(
  [
    SPEC_9001,
    SPEC_1101,
    SPEC_1161,
    SPEC_2101,
    SPEC_2102,
    SPEC_2103,
    SPEC_2601,
    SPEC_3501,
    SPEC_3502,
    SPEC_3503,
    SPEC_3504,
    SPEC_3505,
    SPEC_3506,
    SPEC_3507,
    SPEC_3512,
    SPEC_3513,
    SPEC_3601,
  ].map((s) => [s.infno, s]),
);

/** Problems of an input message of `infno` (as the profile's province writes it); [] when it conforms or has no table. */
export function validateInput(infno: string, input: unknown, profile: Profile = profileByName('national')): SpecProblem[] {
  const spec = SPECS[infno];
  return spec ? validateNodes(profiledSpec(profile, spec).input, input) : [];
}

/** Problems of an output of `infno` against what the box reads from it. */
export function validateOutput(infno: string, output: unknown): SpecProblem[] {
  const spec = SPECS[infno];
  return spec ? validateNodes(spec.output, output) : [];
}

/** One line naming every problem, for err_msg and logs. */
export function describeProblems(infno: string, problems: readonly SpecProblem[]): string {
  return problems.map((p) => describeProblem(infno, p)).join('；');
}
