// GET /api/v1/config: the effective configuration (after env overrides), secrets
// redacted. POST /api/v1/config/apply: re-read the definitions and apply them.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ConfigError, formatProblem } from '../../../lib/core/config/errors';
import { loadConfig } from '../../../lib/adapters/config/load';
import { redactConfig } from '../../../lib/adapters/config/redact';
import { applyApps, applyServices } from '../../../lib/client/apply';
import type { ApiDeps } from '../../deps';
import { ErrorBody, HttpError } from '../../errors';
import { ApplyReport, ConfigView } from '../../schemas/system';

const config: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    '/config',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'The effective configuration, secrets redacted',
        tags: ['system'],
        security: [{ bearer: [] }],
        response: { 200: ConfigView, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async () => redactConfig(deps.config),
  );

  app.post(
    '/config/apply',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'Re-read the service definitions from the config directory and apply them (start, reconfigure, stop loops)',
        tags: ['system'],
        security: [{ bearer: [] }],
        response: { 200: ApplyReport, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 503: ErrorBody },
      },
    },
    async () => {
      let loaded;
      try {
        loaded = loadConfig({ dir: deps.configDir });
      } catch (error) {
        if (error instanceof ConfigError) throw new HttpError(400, 'invalid_config', error.message);
        throw error;
      }
      try {
        const report = await applyServices({ client: deps.temporal.client, taskQueuePrefix: deps.config.temporal.taskQueuePrefix, services: loaded.definitions.services });
        const apps = await applyApps({ client: deps.temporal.client, taskQueuePrefix: deps.config.temporal.taskQueuePrefix, apps: loaded.definitions.apps });
        return { ...report, rejected: loaded.rejected.map(formatProblem), apps };
      } catch (error) {
        deps.metrics.dependencyErrors.inc({ dependency: 'temporal' });
        throw new HttpError(503, 'unavailable', `Temporal did not answer: ${(error as Error).message}`);
      }
    },
  );
};

export default config;
