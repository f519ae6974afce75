// Fastify writes a response by its schema: a property the schema lacks is
// dropped, a null where it wants a string becomes "", "5" where it wants an
// integer becomes 5. This watches an app's responses and records every one
// whose body is not what the handler returned, or does not fit the response
// schema the OpenAPI document shows (what the API fuzzer checks too).
import assert from 'node:assert/strict';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

export interface SerializationWatch {
  /** Responses checked so far, as "GET /api/v1/…". */
  readonly seen: string[];
  /** Fails naming each response that differed from what its handler returned or from its schema. */
  assertFaithful(): void;
}

/** Call before the app is ready (before its first inject or listen). */
export function watchSerialization(app: FastifyInstance): SerializationWatch {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const validators = new WeakMap<object, ValidateFunction>();
  const returned = new WeakMap<object, unknown>();
  const seen: string[] = [];
  const problems: string[] = [];

  app.addHook('preSerialization', async (request, _reply, payload) => {
    // What the handler returned, as plain JSON would write it.
    returned.set(request, JSON.parse(JSON.stringify(payload ?? null)));
    return payload;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (!returned.has(request) || typeof payload !== 'string' || !request.url.startsWith('/api/')) return payload;
    const what = `${request.method} ${request.url} → ${reply.statusCode}`;
    seen.push(what);
    const sent: unknown = JSON.parse(payload);
    try {
      assert.deepStrictEqual(sent, returned.get(request));
    } catch (error) {
      problems.push(`${what}: the body is not what the handler returned\n${(error as Error).message}`);
    }
    const schema = (reply.routeOptions.schema?.response as Record<string, object> | undefined)?.[String(reply.statusCode)];
    if (schema) {
      let validate = validators.get(schema);
      if (!validate) {
        // Shared schemas (ErrorBody) carry an $id; ajv would refuse to compile a second copy.
        const { $id: _id, ...anonymous } = schema as { $id?: string };
        validators.set(schema, (validate = ajv.compile(anonymous)));
      }
      if (!validate(sent)) problems.push(`${what}: the body does not fit its schema: ${ajv.errorsText(validate.errors)}`);
    } else if (reply.statusCode < 400) problems.push(`${what}: no response schema`);
    return payload;
  });

  return {
    seen,
    assertFaithful() {
      assert.deepEqual(problems, [], problems.join('\n\n'));
    },
  };
}
