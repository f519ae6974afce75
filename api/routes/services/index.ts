// /api/v1/services: the health loops. Reads come from Temporal (the loop's own
// state, through a query) and PostgreSQL (history); pause and resume are signals.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import Type from 'typebox';
import { executionUrl } from '../../../lib/temporal/ui-links';
import { healthStatusQuery, pauseSignal, remediateUpdate, resumeSignal, SEARCH_ATTRIBUTES, workflowIds } from '../../../workflows/messages';
import type { ApiDeps } from '../../deps';
import { ErrorBody, HttpError } from '../../errors';

const NameParams = Type.Object({ name: Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]{0,62}$' }) });
const Errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 503: ErrorBody };

const ServiceSummary = Type.Object({ name: Type.String(), status: Type.String(), workflowId: Type.String(), temporalUiUrl: Type.Optional(Type.String()) });

const services: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { client, namespace, taskQueues, uiUrl } = deps.temporal;
  const deadline = () => Date.now() + deps.config.temporal.rpcTimeoutMs;

  /** Runs a Temporal call for one service; a missing loop is a 404, an unreachable server a 503. */
  async function onService<T>(name: string, call: () => Promise<T>): Promise<T> {
    try {
      return await client.withDeadline(deadline(), call);
    } catch (error) {
      if (error instanceof HttpError) throw error;
      if (error instanceof WorkflowNotFoundError || (error as Error).name === 'WorkflowNotFoundError') {
        throw new HttpError(404, 'not_found', `no service "${name}" is being watched`);
      }
      deps.metrics.dependencyErrors.inc({ dependency: 'temporal' });
      throw new HttpError(503, 'unavailable', `Temporal did not answer: ${(error as Error).message}`);
    }
  }

  app.get(
    '/services',
    {
      config: { role: 'read' },
      schema: { summary: 'Services being watched, with their status', tags: ['services'], security: [{ bearer: [] }], response: { 200: Type.Array(ServiceSummary), ...Errors } },
    },
    async () =>
      onService('*', async () => {
        const found = [];
        const query = `VigilKind = 'health' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueues.workflows}'`;
        for await (const execution of client.workflow.list({ query })) {
          const name = execution.typedSearchAttributes.get(SEARCH_ATTRIBUTES.service) ?? execution.workflowId.replace(/^health\//, '');
          const status = execution.typedSearchAttributes.get(SEARCH_ATTRIBUTES.status) ?? 'unknown';
          found.push({ name, status, workflowId: execution.workflowId, temporalUiUrl: executionUrl(uiUrl, namespace, execution.workflowId) });
        }
        return found.sort((a, b) => a.name.localeCompare(b.name));
      }),
  );

  app.get(
    '/services/:name',
    {
      config: { role: 'read' },
      schema: {
        summary: "A service's state: status, last results, baselines, pause, next check",
        tags: ['services'],
        security: [{ bearer: [] }],
        params: NameParams,
        response: { 200: Type.Record(Type.String(), Type.Unknown()), ...Errors },
      },
    },
    async (request) => {
      const workflowId = workflowIds.health(request.params.name);
      const status = await onService(request.params.name, async () => {
        const handle = client.workflow.getHandle(workflowId);
        const { status: execution } = await handle.describe();
        if (execution.name !== 'RUNNING') throw new HttpError(404, 'not_found', `no service "${request.params.name}" is being watched (its loop is ${execution.name.toLowerCase()})`);
        return handle.query(healthStatusQuery);
      });
      return { ...status, workflowId, temporalUiUrl: executionUrl(uiUrl, namespace, workflowId) };
    },
  );

  app.get(
    '/services/:name/history',
    {
      config: { role: 'read' },
      schema: {
        summary: 'Status transitions and recent check results, newest first',
        tags: ['services'],
        security: [{ bearer: [] }],
        params: NameParams,
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ transitions: Type.Array(Type.Unknown()), checks: Type.Array(Type.Unknown()) }), ...Errors },
      },
    },
    async (request) => {
      const { name } = request.params;
      const { limit } = request.query;
      const [transitions, checks] = await Promise.all([
        deps.pool.query(
          `SELECT round, from_status AS "from", to_status AS "to", at, reason FROM health_transitions WHERE service = $1 ORDER BY at DESC, round DESC LIMIT $2`,
          [name, limit],
        ),
        deps.pool.query(
          `SELECT round, check_name AS "check", checked_at AS at, up, latency_ms AS "latencyMs", attempts, detail FROM check_results WHERE service = $1 ORDER BY checked_at DESC, check_name LIMIT $2`,
          [name, limit],
        ),
      ]);
      return { transitions: transitions.rows, checks: checks.rows };
    },
  );

  app.post(
    '/services/:name/pause',
    {
      config: { role: 'operate' },
      schema: {
        summary: 'Pause remediation (checks go on); until a time, or until resumed',
        tags: ['services'],
        security: [{ bearer: [] }],
        params: NameParams,
        body: Type.Object(
          { reason: Type.String({ minLength: 1, maxLength: 500 }), until: Type.Optional(Type.String({ format: 'date-time' })) },
          { additionalProperties: false },
        ),
        response: { 202: Type.Object({ paused: Type.Boolean(), until: Type.Optional(Type.String()) }), ...Errors },
      },
    },
    async (request, reply) => {
      const { reason, until } = request.body;
      const untilMs = until === undefined ? undefined : Date.parse(until);
      if (untilMs !== undefined && untilMs <= Date.now()) throw new HttpError(400, 'invalid_request', 'body.until: must be in the future', 'body.until');
      await onService(request.params.name, () =>
        client.workflow.getHandle(workflowIds.health(request.params.name)).signal(pauseSignal, { reason, until: untilMs, by: request.principal!.name }),
      );
      return reply.status(202).send({ paused: true, until });
    },
  );

  app.post(
    '/services/:name/remediate',
    {
      config: { role: 'operate' },
      schema: {
        summary: 'Run a remediation step now and return its result (or why it was refused)',
        tags: ['services'],
        security: [{ bearer: [] }],
        params: NameParams,
        body: Type.Object(
          {
            action: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'A ladder step; omitted: the next step' })),
            reason: Type.String({ minLength: 1, maxLength: 500 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ key: Type.String(), step: Type.String(), status: Type.String(), detail: Type.String(), at: Type.Number(), decidedBy: Type.String() }),
          409: ErrorBody,
          ...Errors,
        },
      },
    },
    async (request) => {
      const { name } = request.params;
      const handle = client.workflow.getHandle(workflowIds.health(name));
      try {
        // Actions may take minutes: no RPC deadline here, the action's own timeout bounds it.
        return await handle.executeUpdate(remediateUpdate, { args: [{ ...request.body, by: request.principal!.name }] });
      } catch (error) {
        if (error instanceof WorkflowUpdateFailedError) throw new HttpError(409, 'refused', (error.cause as Error)?.message ?? error.message);
        if (error instanceof WorkflowNotFoundError) throw new HttpError(404, 'not_found', `no service "${name}" is being watched`);
        deps.metrics.dependencyErrors.inc({ dependency: 'temporal' });
        throw new HttpError(503, 'unavailable', `Temporal did not answer: ${(error as Error).message}`);
      }
    },
  );

  app.post(
    '/services/:name/resume',
    {
      config: { role: 'operate' },
      schema: {
        summary: 'Resume remediation',
        tags: ['services'],
        security: [{ bearer: [] }],
        params: NameParams,
        response: { 202: Type.Object({ paused: Type.Boolean() }), ...Errors },
      },
    },
    async (request, reply) => {
      await onService(request.params.name, () => client.workflow.getHandle(workflowIds.health(request.params.name)).signal(resumeSignal, { by: request.principal!.name }));
      return reply.status(202).send({ paused: false });
    },
  );
};

export default services;
