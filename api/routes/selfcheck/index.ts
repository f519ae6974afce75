// POST /api/v1/selfcheck runs the self-check workflow and waits for it: proof
// that this API, Temporal, a worker and PostgreSQL work together.
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { WorkflowFailedError } from '@temporalio/client';
import Type from 'typebox';
import { executionUrl } from '../../../lib/core/ui-links';
import { selfCheckWorkflow } from '../../../workflows';
import { workflowIds } from '../../../workflows/messages';
import type { ApiDeps } from '../../deps';
import { ErrorBody, HttpError } from '../../errors';
import { withRpcDeadline } from '../../rpc';
import { SelfCheckResult } from '../../schemas/system';

const SelfCheckRequest = Type.Object({ note: Type.Optional(Type.String({ maxLength: 200, description: 'Free text stored with the check.' })) }, { additionalProperties: false });

const selfcheck: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  app.post(
    '/selfcheck',
    {
      config: { role: 'operate' },
      schema: {
        summary: 'Run one workflow end to end (API → Temporal → worker → PostgreSQL)',
        tags: ['system'],
        security: [{ bearer: [] }],
        body: Type.Optional(SelfCheckRequest),
        response: { 200: SelfCheckResult, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 503: ErrorBody },
      },
    },
    async (request) => {
      const workflowId = workflowIds.selfCheck(randomUUID());
      const { client, namespace, taskQueues, uiUrl } = deps.temporal;
      try {
        const handle = await withRpcDeadline(deps, () =>
          client.workflow.start(selfCheckWorkflow, {
            taskQueue: taskQueues.workflows,
            workflowId,
            args: [{ requestedBy: request.principal!.name, note: request.body?.note }],
            workflowExecutionTimeout: '2 minutes',
            staticSummary: `Self check requested by ${request.principal!.name}`,
          }),
        );
        const result = await withTimeout(handle.result(), 30_000);
        return { ...result, runId: handle.firstExecutionRunId, temporalUiUrl: executionUrl(uiUrl, namespace, workflowId) };
      } catch (error) {
        if (error instanceof WorkflowFailedError) throw error;
        deps.metrics.dependencyErrors.inc({ dependency: 'temporal' });
        request.log.warn({ err: error, workflowId }, 'self check did not complete');
        throw new HttpError(503, 'unavailable', `the self check did not complete: ${(error as Error).message}`);
      }
    },
  );
};

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no result within ${ms / 1000} s (is a worker running?)`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export default selfcheck;
