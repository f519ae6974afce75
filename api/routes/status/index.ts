import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiDeps } from '../../deps';
import { ErrorBody } from '../../errors';
import { StatusBody } from '../../schemas/system';

const status: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const startedAt = Date.now();
  app.get(
    '/status',
    {
      config: { role: 'read' },
      schema: {
        summary: 'Who you are and what this Vigil is connected to',
        tags: ['system'],
        security: [{ bearer: [] }],
        response: { 200: StatusBody, 401: ErrorBody },
      },
    },
    async (request) => ({
      version: deps.version,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      you: { name: request.principal!.name, role: request.principal!.role },
      temporal: {
        address: deps.temporal.address,
        namespace: deps.temporal.namespace,
        uiUrl: deps.temporal.uiUrl,
        taskQueues: deps.temporal.taskQueues,
      },
    }),
  );
};

export default status;
