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

/** Deeper JSON than any route takes; a deeper body is refused before anything walks it. */
export const MAX_JSON_DEPTH = 32;

/**
 * What is wrong with a request's parsed body, query or params, if anything, with the
 * path of the first offending field. PostgreSQL's text and jsonb cannot hold U+0000:
 * the pool would store it as U+FFFD (lib/adapters/db/pool.ts), silently changing
 * what the client sent, so the client is told instead. Nesting beyond
 * MAX_JSON_DEPTH is refused too. The walk keeps its own stack: a body of ten
 * thousand nested arrays is a 400, not a stack overflow.
 */
export function inspectRequestPart(value: unknown, path: string): { field: string; problem: string } | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path, depth: 0 }];
  while (stack.length) {
    const next = stack.pop()!;
    if (typeof next.value === 'string') {
      if (next.value.includes('\u0000')) return { field: next.path, problem: 'must not contain the NUL character (\\u0000)' };
      continue;
    }
    if (!next.value || typeof next.value !== 'object') continue;
    if (next.depth >= MAX_JSON_DEPTH) return { field: next.path, problem: `is nested too deeply (at most ${MAX_JSON_DEPTH} levels of objects and arrays)` };
    const entries: [string, unknown][] = Array.isArray(next.value) ? next.value.map((item, index) => [String(index), item]) : Object.entries(next.value);
    // Pushed in reverse so the first field is looked at first, as a reader would.
    for (const [key, item] of entries.reverse()) {
      if (key.includes('\u0000')) return { field: `${next.path}.${key.replaceAll('\u0000', '\\u0000')}`, problem: 'must not contain the NUL character (\\u0000)' };
      stack.push({ value: item, path: `${next.path}.${key}`, depth: next.depth + 1 });
    }
  }
  return undefined;
}

/**
 * An RFC 3339 time from a request, as PostgreSQL takes it: in UTC. RFC 3339
 * allows offsets PostgreSQL refuses (+19:16), so the text is never passed on as is.
 */
export const utcOrNull = (time: string | undefined): string | null => (time === undefined ? null : new Date(time).toISOString());
