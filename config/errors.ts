// ConfigError and the formatter turning Ajv errors into one line per key a technician can act on.
import type { ErrorObject } from 'ajv';

export class ConfigError extends Error {
  readonly problems: string[];
  readonly source: string;

  constructor(source: string, problems: string[]) {
    super(`invalid config ${source}:\n  - ` + problems.join('\n  - '));
    this.name = 'ConfigError';
    this.source = source;
    this.problems = problems;
  }
}

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

/** How a value is shown after "got"; secrets are never echoed. */
export function describeValue(value: unknown, secret = false): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    if (secret) return `a value of ${value.length} characters (not shown)`;
    return JSON.stringify(value.length > 80 ? value.slice(0, 77) + '...' : value);
  }
  return String(value);
}

type SchemaNode = Record<string, unknown>;

function integerText(s: SchemaNode): string {
  const min = typeof s.minimum === 'number' ? s.minimum : undefined;
  const max = typeof s.maximum === 'number' ? s.maximum : undefined;
  if (min !== undefined && max !== undefined) return `expected an integer from ${min} to ${max}`;
  if (min !== undefined) return `expected an integer of at least ${min}`;
  if (max !== undefined) return `expected an integer of at most ${max}`;
  return 'expected an integer';
}

function lengthText(s: SchemaNode, keyword: 'minLength' | 'maxLength'): string {
  const { minLength: min, maxLength: max } = s;
  if (min !== undefined && min === max) return `expected ${String(min)} characters`;
  if (keyword === 'minLength') return min === 1 ? 'must not be empty' : `expected at least ${String(min)} characters`;
  return `expected at most ${String(max)} characters`;
}

function genericText(e: ErrorObject, s: SchemaNode): string {
  switch (e.keyword) {
    case 'type':
      switch (s.type) {
        case 'integer':
          return integerText(s);
        case 'number':
          return 'expected a number';
        case 'boolean':
          return 'expected true or false';
        case 'string':
          return 'expected text';
        case 'array':
          return 'expected a list';
        case 'object':
          return 'expected a mapping (key: value lines)';
        default:
          return `expected ${String(s.type)}`;
      }
    case 'enum':
      return `expected one of ${(Array.isArray(s.enum) ? s.enum : []).map(String).join(', ')}`;
    case 'minLength':
    case 'maxLength':
      return lengthText(s, e.keyword);
    case 'pattern':
      return `expected text matching ${String(s.pattern)}`;
    case 'minimum':
    case 'maximum':
      return s.type === 'integer' ? integerText(s) : `must be ${e.message ?? 'in range'}`;
    default:
      return e.message ?? `failed ${e.keyword}`;
  }
}

function messageFor(e: ErrorObject): string {
  const s: SchemaNode = e.parentSchema ?? {};
  const custom = s['x-message'];
  let text: string | undefined;
  if (typeof custom === 'string') text = custom;
  else if (custom !== null && typeof custom === 'object') {
    const byKeyword = (custom as Record<string, unknown>)[e.keyword];
    if (typeof byKeyword === 'string') text = byKeyword;
  }
  text ??= genericText(e, s);
  if (e.data === '' && e.keyword === 'minLength') return text;
  return `${text}, got ${describeValue(e.data, s['x-secret'] === true)}`;
}

// Lower rank wins when one key has several errors: the most basic complaint first.
const RANK: Record<string, number> = { type: 0, enum: 1, minLength: 2, maxLength: 2, pattern: 3, minimum: 4, maximum: 4 };

/** One problem line per key, in the order Ajv first reported each key. */
export function formatAjvErrors(errors: readonly ErrorObject[]): string[] {
  const best = new Map<string, { rank: number; text: string }>();
  for (const e of errors) {
    const at = keyName(e.instancePath);
    let key: string;
    let text: string;
    let rank = RANK[e.keyword] ?? 5;
    if (e.keyword === 'required') {
      key = childKey(at, String((e.params as { missingProperty: unknown }).missingProperty));
      text = 'required';
      rank = -1;
    } else if (e.keyword === 'additionalProperties') {
      key = childKey(at, String((e.params as { additionalProperty: unknown }).additionalProperty));
      text = 'unknown key';
      rank = -1;
    } else {
      key = at === '' ? '(top level)' : at;
      text = messageFor(e);
    }
    const prev = best.get(key);
    if (prev === undefined || rank < prev.rank) best.set(key, { rank, text });
  }
  return [...best].map(([key, { text }]) => `${key}: ${text}`);
}

/**
 * Order problems as the file is laid out: by top-level section (in `sections` order), then by the
 * first list index in the key; otherwise stable (schema problems before cross-field ones).
 */
export function sortProblems(problems: string[], sections: readonly string[]): string[] {
  const rank = (line: string): [number, number] => {
    if (line.startsWith('(top level)')) return [-1, -1];
    const top = /^[^.[:]*/.exec(line)?.[0] ?? '';
    const section = sections.indexOf(top);
    const index = /^[^:]*?\[(\d+)\]/.exec(line)?.[1];
    return [section === -1 ? sections.length : section, index === undefined ? -1 : Number(index)];
  };
  return problems
    .map((line, i) => ({ line, i, r: rank(line) }))
    .sort((a, b) => a.r[0] - b.r[0] || a.r[1] - b.r[1] || a.i - b.i)
    .map((x) => x.line);
}
