// Request validation. Bodies are JSON and must already have the right types
// (42 is not "42"); query strings and path params are text by nature, so they
// are coerced to the schema's types. Unknown body fields are errors, not dropped.
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats';
import type { FastifySchemaCompiler } from 'fastify';
import Type from 'typebox';

function makeAjv(coerceTypes: boolean | 'array'): Ajv {
  // verbose: errors carry their schema, so a message can say what a name must look like.
  const ajv = new Ajv({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: false, strict: false, verbose: true });
  addFormats(ajv);
  // RFC 3339 allows times JavaScript cannot hold (a leap second, 23:59:60): such a
  // time would pass validation and then break where it is used.
  const rfc3339 = fullFormats['date-time'] as { validate: (value: string) => boolean };
  ajv.addFormat('date-time', { type: 'string', validate: (value: string) => rfc3339.validate(value) && Number.isFinite(Date.parse(value)) });
  return ajv;
}

export function validatorCompiler(): FastifySchemaCompiler<object> {
  const strict = makeAjv(false);
  const coercing = makeAjv('array');
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema);
}

export interface LimitRange {
  default: number;
  maximum: number;
}

/**
 * A `limit` query parameter. Optional: left out, the default applies (ajv fills
 * it in), so the OpenAPI document must not call it required.
 */
export const Limit = (range: LimitRange) => Type.Optional(Type.Integer({ minimum: 1, maximum: range.maximum, default: range.default }));

/**
 * PostgreSQL's text and jsonb cannot hold U+0000. The pool would store it as
 * U+FFFD (lib/db/pool.ts), silently changing what the client sent: a request
 * is told instead. Returns the path of the first string or name holding one.
 */
export function findNulCharacter(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findNulCharacter(item, `${path}.${index}`);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000')) return `${path}.${key.replaceAll('\u0000', '\\u0000')}`;
      const found = findNulCharacter(item, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * An RFC 3339 time from a request, as PostgreSQL takes it: in UTC. RFC 3339
 * allows offsets PostgreSQL refuses (+19:16), so the text is never passed on as is.
 */
export const utcOrNull = (time: string | undefined): string | null => (time === undefined ? null : new Date(time).toISOString());
