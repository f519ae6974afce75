// GET /api/v1/actions: the remediation audit trail, newest first (api/views/actions.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { ApiDeps } from '../../deps';
import { ErrorBody } from '../../errors';
import { Limit } from '../../validation';
import { ActionRecord } from '../../schemas/services';
import { ACTIONS_LIMIT, listActions } from '../../views/actions';

const actions: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.get(
    '/actions',
    {
      config: { role: 'read' },
      schema: {
        summary: 'Remediation actions: who or what decided, what ran, how it ended',
        tags: ['services'],
        security: [{ bearer: [] }],
        querystring: Type.Object(
          {
            service: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,62}$' })),
            since: Type.Optional(Type.String({ format: 'date-time' })),
            limit: Limit(ACTIONS_LIMIT),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(ActionRecord), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (request) => listActions(deps.pool, request.query),
  );
};

export default actions;
