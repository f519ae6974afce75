// One error shape for every API answer that is not a success:
//   { error: "invalid_request", message: "body.note: must be at most 200 characters", field: "body.note" }
// 4xx show their message; 5xx say "internal error" and carry the request id.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { isDatabaseUnavailable } from '../lib/adapters/db/errors';
import type { AllowedMethods } from './method-not-allowed';

export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'Machine-readable code, e.g. invalid_request, unauthorized, forbidden, not_found.' }),
    message: Type.String(),
    field: Type.Optional(Type.String({ description: 'The request field at fault, e.g. body.note.' })),
    requestId: Type.Optional(Type.String()),
  },
  { $id: 'ErrorBody' },
);

/** Thrown by handlers for an expected failure with a status and code. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  503: 'unavailable',
};

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
  /** With ajv's `verbose`: the schema holding the failed keyword. */
  parentSchema?: { propertyNames?: { pattern?: string } };
}

function describeValidation(context: string, issue: ValidationIssue): { field: string; message: string } {
  const base = [context, ...issue.instancePath.split('/').filter(Boolean)].join('.');
  if (issue.keyword === 'required') {
    const field = `${base}.${String(issue.params.missingProperty)}`;
    return { field, message: `${field}: is required` };
  }
  if (issue.keyword === 'additionalProperties') {
    const field = `${base}.${String(issue.params.additionalProperty)}`;
    return { field, message: `${field}: is not a known field` };
  }
  if (issue.keyword === 'propertyNames') {
    const field = `${base}.${String(issue.params.propertyName)}`;
    const pattern = issue.parentSchema?.propertyNames?.pattern;
    return { field, message: `${field}: is not a valid name${pattern ? ` (must match ${pattern})` : ''}` };
  }
  return { field: base, message: `${base}: ${issue.message ?? 'is invalid'}` };
}

export function errorBody(request: FastifyRequest, error: FastifyError | HttpError): { status: number; body: Record<string, unknown> } {
  const validation = (error as FastifyError).validation as ValidationIssue[] | undefined;
  if (validation?.length) {
    // A bad name fails its pattern first; the propertyNames issue after it says which name.
    const issue = validation.find((candidate) => candidate.keyword === 'propertyNames') ?? validation[0];
    const { field, message } = describeValidation((error as FastifyError).validationContext ?? 'body', issue);
    return { status: 400, body: { error: 'invalid_request', message, field } };
  }
  if (error instanceof HttpError) {
    return { status: error.statusCode, body: { error: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } };
  }
  // The API's only network peers are Temporal (its failures arrive as HttpError, api/temporal-errors.ts) and PostgreSQL.
  if (isDatabaseUnavailable(error)) {
    return { status: 503, body: { error: 'unavailable', message: `PostgreSQL did not answer: ${error.message}`, requestId: request.id } };
  }
  const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
  if (status >= 500) return { status, body: { error: status === 503 ? 'unavailable' : 'internal', message: 'internal error', requestId: request.id } };
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return { status: 400, body: { error: 'invalid_request', message: `body: not valid JSON (${error.message})`, field: 'body' } };
  }
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return { status: 400, body: { error: 'invalid_request', message: 'body: empty, but the content-type is application/json', field: 'body' } };
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    // Every route reads JSON only (api/app.ts): say so, whatever was sent.
    const sent = request.headers['content-type']?.split(';')[0].trim();
    return { status: 415, body: { error: CODES[415], message: `body: ${sent ? `content-type ${sent} is not read here` : 'no content-type'}; send application/json`, field: 'body' } };
  }
  if (status === 413) return { status, body: { error: CODES[413], message: `body: larger than the limit of ${request.routeOptions.bodyLimit} bytes`, field: 'body' } };
  return { status, body: { error: CODES[status] ?? 'error', message: error.message } };
}

/**
 * `allowedMethods` (api/method-not-allowed.ts) turns a 404 for a known path into a 405;
 * `onDatabaseUnavailable` counts the requests PostgreSQL failed (vigil_dependency_errors_total).
 */
export function installErrorHandlers(app: FastifyInstance, allowedMethods: AllowedMethods = () => [], onDatabaseUnavailable: () => void = () => {}): void {
  const noRoute = (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0];
    const allowed = allowedMethods(path);
    if (allowed.length) {
      return reply
        .status(405)
        .header('allow', allowed.join(', '))
        .send({ error: 'method_not_allowed', message: `${path} does not take ${request.method}; it takes ${allowed.join(', ')}` });
    }
    return reply.status(404).send({ error: 'not_found', message: `no route ${request.method} ${path}` });
  };
  app.setErrorHandler((error: FastifyError, request, reply: FastifyReply) => {
    // No route matched: that is the answer, whatever else is wrong with the request (a body without a content type, say).
    if (request.is404) return noRoute(request, reply);
    if (isDatabaseUnavailable(error)) onDatabaseUnavailable();
    const { status, body } = errorBody(request, error);
    if (status === 503) request.log.warn({ status, message: body.message }, 'request failed: a dependency is unavailable');
    else if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ status, error: body.error, field: body.field }, 'request rejected');
    return reply.status(status).send(body);
  });
  app.setNotFoundHandler(noRoute);
}
