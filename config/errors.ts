// ConfigError and the formatter turning Ajv errors into one line per key a technician can act on.
import type { ErrorObject } from 'ajv';
import { problemsPerKey } from '../common/schema-problems.js';

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

export { childKey, keyName } from '../common/schema-problems.js';

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

/** One problem line per key, in the order Ajv first reported each key. */
export function formatAjvErrors(errors: readonly ErrorObject[]): string[] {
  return problemsPerKey(errors, { required: 'required', unknownKey: 'unknown key', root: '(top level)', describe: messageFor });
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
