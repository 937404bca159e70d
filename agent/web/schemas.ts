// Shared schemas ($ref by $id, added once with app.addSchema) and the one serialization step that masks
// personal data. A response schema marks a field with `x-personal`: `id` (an ID or certificate number: first
// 4 and last 4 kept), `phone` (first 3 and last 4 kept) or `text` (free text: any ID number or mobile number
// inside it is masked). Every route that returns personal data has a response schema; the serializer masks
// what the schema marks and changes nothing else (no field dropped, no type coerced), so a number can only
// leave the box masked, whichever service produced it.

import type { FastifyInstance, FastifyPluginAsync, FastifyTypeProvider, RawServerDefault } from 'fastify';
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { maskId } from '../log.js';

type Schema = Record<string, unknown>;

export const PERSONAL_KEYWORD = 'x-personal';

/** 13812345678 → 138****5678; idempotent. */
export function maskPhone(phone: string): string {
  return phone.length <= 7 ? '*'.repeat(phone.length) : `${phone.slice(0, 3)}${'*'.repeat(phone.length - 7)}${phone.slice(-4)}`;
}

// GB 11643 ID numbers (17 digits + digit or X) and mainland mobile numbers (1[3-9] + 9 digits), not inside longer digit runs.
const ID_IN_TEXT = /(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])/g;
const PHONE_IN_TEXT = /(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])/g; // not inside a code such as H13010200011

export function maskText(text: string): string {
  return text.replace(ID_IN_TEXT, maskId).replace(PHONE_IN_TEXT, maskPhone);
}

const MASKS: Record<string, (s: string) => string> = { id: maskId, phone: maskPhone, text: maskText };

/** Shared schemas: ids, periods, personal fields, the refusal and error bodies. */
export const SHARED_SCHEMAS = [
  // Path parameters arrive as text; the schemas do not coerce types, so ids are checked as digits.
  { $id: 'Id', type: 'string', pattern: '^[1-9][0-9]{0,12}$' },
  { $id: 'IdParams', type: 'object', required: ['id'], properties: { id: { $ref: 'Id#' } } },
  // Dates are checked by parsePeriod (a bad one is 400 BAD_DATE with the date named), not here.
  { $id: 'Period', type: 'object', properties: { from: { type: 'string' }, to: { type: 'string' } } },
  { $id: 'CertNo', type: ['string', 'null'], 'x-personal': 'id' },
  { $id: 'Phone', type: ['string', 'null'], 'x-personal': 'phone' },
  { $id: 'FreeText', type: ['string', 'null'], 'x-personal': 'text' },
  {
    $id: 'Person',
    type: ['object', 'null'],
    properties: { psnNo: { type: 'string' }, name: { type: 'string' }, certNo: { $ref: 'CertNo#' }, phone: { $ref: 'Phone#' } },
  },
  { $id: 'Prescription', type: ['object', 'null'], properties: { patientCertNo: { $ref: 'CertNo#' }, doctorName: { type: 'string' } } },
  {
    $id: 'Refusal',
    type: 'object',
    required: ['code', 'message'],
    properties: { code: { type: 'string' }, message: { $ref: 'FreeText#' }, itemId: { type: 'integer' } },
  },
  { $id: 'Refused', type: 'object', required: ['refused'], properties: { refused: { type: 'array', items: { $ref: 'Refusal#' } } } },
  {
    $id: 'Errors',
    type: 'object',
    required: ['errors'],
    properties: {
      errors: {
        type: 'array',
        items: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { $ref: 'FreeText#' } } },
      },
    },
  },
  {
    $id: 'SaleView',
    type: 'object',
    properties: {
      identity: { $ref: 'Person#' },
      prescription: { $ref: 'Prescription#' },
      refusals: { type: 'array', items: { $ref: 'Refusal#' } },
    },
  },
] as const;

/** `{ $ref: 'Person#' }` → the shared schema; anything else as it is. */
function resolver(app: FastifyInstance): (s: Schema) => Schema {
  return (s) => {
    let out = s;
    for (let depth = 0; typeof out.$ref === 'string' && depth < 10; depth++) {
      const id = out.$ref.replace(/#$/, '');
      out = (app.getSchema(id) as Schema | undefined) ?? {};
    }
    return out;
  };
}

/** A copy of `value` with every field `schema` marks personal masked; the rest as it is. */
export function maskBySchema(value: unknown, schema: Schema | undefined, resolve: (s: Schema) => Schema): unknown {
  if (!schema || value === null || value === undefined) return value;
  const s = resolve(schema);
  const kind = s[PERSONAL_KEYWORD];
  if (typeof kind === 'string' && typeof value === 'string') return (MASKS[kind] ?? maskId)(value);
  if (Array.isArray(value)) return s.items ? value.map((v) => maskBySchema(v, s.items as Schema, resolve)) : value;
  if (typeof value === 'object' && s.properties) {
    const props = s.properties as Record<string, Schema>;
    const source =
      typeof (value as { toJSON?: unknown }).toJSON === 'function'
        ? ((value as { toJSON(): unknown }).toJSON() as Record<string, unknown>)
        : (value as Record<string, unknown>);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(source)) out[k] = props[k] ? maskBySchema(v, props[k], resolve) : v;
    return out;
  }
  return value;
}

/**
 * Shared schemas and the masking serializer: a route's response schema decides what is masked; the JSON is
 * written by JSON.stringify, so the schema never drops or coerces a field the API answers today.
 */
export function registerSchemas(app: FastifyInstance): void {
  for (const s of SHARED_SCHEMAS) app.addSchema(s as unknown as Schema);
  const resolve = resolver(app);
  app.setSerializerCompiler(
    ({ schema }) =>
      (data) =>
        JSON.stringify(maskBySchema(data, schema as Schema, resolve)),
  );
}

/**
 * A route plugin whose request types (params, querystring, body) are derived from its schemas by
 * json-schema-to-ts, the shared schemas above resolving `$ref`s: no request type is written by hand beside its
 * schema. Reply types stay the services' own: a response schema here marks what to mask, it does not restate them.
 */
type Mutable<T extends readonly unknown[]> = [...T];
type References = Mutable<typeof SHARED_SCHEMAS>;
export interface RequestTypes extends FastifyTypeProvider {
  validator: this['schema'] extends JSONSchema ? FromSchema<this['schema'], { references: References }> : unknown;
  serializer: unknown;
}
export type TypedRoutes = FastifyPluginAsync<Record<never, never>, RawServerDefault, RequestTypes>;

/** Keeps a route schema's literal types (as `as const` would), so json-schema-to-ts can derive the request types. */
export const routeSchema = <const T extends object>(s: T): T => s;
