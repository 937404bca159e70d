// One reduction of Ajv's errors to one problem line per key, shared by the config loader (English, for a
// technician editing YAML) and the HTTP API (Chinese, for a caller sending JSON). Only the wording differs.
import type { ErrorObject } from 'ajv';

/** JSON pointer `/scanners/0/path` → `scanners[0].path`; the root is ''. */
export function keyName(instancePath: string): string {
  let out = '';
  for (const raw of instancePath.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^(0|[1-9][0-9]*)$/.test(seg) ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  }
  return out;
}

/** `parent` + `child` as a key name; the root's children have no leading dot. */
export function childKey(parent: string, child: string): string {
  return parent === '' ? child : `${parent}.${child}`;
}

export interface ProblemWording {
  /** The text beside a missing key. */
  required: string;
  /** The text beside a key the schema does not know. */
  unknownKey: string;
  /** How the root is named when the problem is the whole document. */
  root: string;
  /** What is wrong with a present value. */
  describe(e: ErrorObject): string;
}

// Lower rank wins when one key has several errors: the most basic complaint first.
const RANK: Record<string, number> = { type: 0, enum: 1, minLength: 2, maxLength: 2, pattern: 3, minimum: 4, maximum: 4 };

/** One line per key, `key: what is wrong`, in the order Ajv first reported each key. */
export function problemsPerKey(errors: readonly ErrorObject[], wording: ProblemWording): string[] {
  const best = new Map<string, { rank: number; text: string }>();
  for (const e of errors) {
    const at = keyName(e.instancePath);
    let key: string;
    let text: string;
    let rank = RANK[e.keyword] ?? 5;
    if (e.keyword === 'required') {
      key = childKey(at, String((e.params as { missingProperty: unknown }).missingProperty));
      text = wording.required;
      rank = -1;
    } else if (e.keyword === 'additionalProperties') {
      key = childKey(at, String((e.params as { additionalProperty: unknown }).additionalProperty));
      text = wording.unknownKey;
      rank = -1;
    } else {
      key = at === '' ? wording.root : at;
      text = wording.describe(e);
    }
    const prev = best.get(key);
    if (prev === undefined || rank < prev.rank) best.set(key, { rank, text });
  }
  return [...best].map(([key, { text }]) => `${key}: ${text}`);
}
