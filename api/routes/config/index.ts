// GET /api/v1/config: the effective configuration (after env overrides), secrets redacted.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { redactConfig } from '../../../lib/config/redact';
import type { ApiDeps } from '../../deps';
import { ErrorBody } from '../../errors';

const config: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    '/config',
    {
      config: { role: 'admin' },
      schema: {
        summary: 'The effective configuration, secrets redacted',
        tags: ['system'],
        security: [{ bearer: [] }],
        response: { 200: Type.Record(Type.String(), Type.Unknown()), 401: ErrorBody, 403: ErrorBody },
      },
    },
    async () => redactConfig(deps.config),
  );
};

export default config;
