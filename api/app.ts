// The API as a Fastify plugin tree: infrastructure (errors, metrics, OpenAPI),
// then the dashboard's static files, then /api/v1. Only server.ts listens.
import { join } from 'node:path';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { projectRoot } from '../lib/adapters/paths';
import type { ApiDeps } from './deps';
import { ErrorBody, HttpError, installErrorHandlers } from './errors';
import { trackAllowedMethods } from './method-not-allowed';
import metrics from './plugins/metrics';
import v1 from './routes/v1';
import { inspectRequestPart, validatorCompiler } from './validation';

/**
 * The dashboard shows alert text and model output: nothing it loads may run
 * script or style from elsewhere, inline, or be framed.
 */
export const DASHBOARD_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'api' }) as FastifyBaseLogger,
    bodyLimit: deps.config.server.bodyLimitBytes,
    requestTimeout: deps.config.server.requestTimeoutMs,
    http: {
      // Headers are bounded by the same time as the whole request, and Node looks at
      // open requests every second instead of every 30 s: otherwise a client sending a
      // byte a second holds a connection for up to a minute past the limit.
      headersTimeout: deps.config.server.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, deps.config.server.requestTimeoutMs),
    },
    genReqId: () => crypto.randomUUID(),
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler());
  // Every route with a body reads JSON. Fastify also parses text/plain, into a
  // string the schema then rejects with a 400; without that parser any type but
  // JSON is a 415 (api/errors.ts names the type to send).
  app.removeContentTypeParser('text/plain');

  installErrorHandlers(app, trackAllowedMethods(app), () => deps.metrics.dependencyErrors.inc({ dependency: 'postgres' }));
  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [
      ['body', request.body],
      ['querystring', request.query],
      ['params', request.params],
    ] as const) {
      const found = inspectRequestPart(value, part);
      if (found) throw new HttpError(400, 'invalid_request', `${found.field}: ${found.problem}`, found.field);
    }
  });
  app.addSchema(ErrorBody);
  await app.register(metrics, { metrics: deps.metrics });
  await app.register(swagger, {
    openapi: {
      // 3.1: its schemas are JSON Schema, so rules such as propertyNames (label names) reach the document.
      openapi: '3.1.0',
      info: { title: 'Vigil API', version: deps.version, description: "Start, query and signal Vigil's durable loops." },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(fastifyStatic, {
    root: join(projectRoot(), 'api', 'dashboard'),
    prefix: '/',
    decorateReply: false,
    setHeaders: (reply) => void reply.headers(DASHBOARD_HEADERS),
  });
  await app.register(v1, { prefix: '/api/v1', deps });
  return app;
}
