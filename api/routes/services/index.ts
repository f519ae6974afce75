// /api/v1/services: the health loops. Reads come from Temporal (the loop's own
// state, through a query) and PostgreSQL (history); pause and resume are signals.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { executionUrl } from '../../../lib/core/ui-links';
import { healthStatusQuery, remediateUpdate, workflowIds } from '../../../workflows/messages';
import type { ApiDeps } from '../../deps';
import { ErrorBody, HttpError } from '../../errors';
import { Limit } from '../../validation';
import { Remediation, ServiceDetail, ServiceHistory, ServiceSummary } from '../../schemas/services';
import { withLatestResults } from '../../views/latest-checks';
import { listServices, readServiceHistory } from '../../views/services';
import { countNotRunning } from '../../views/loops';
import { registerLoopsNotRunningGauge } from '../../../lib/adapters/metrics';
import { LoopErrors, loopCaller, LoopName, pauseResumeRoutes } from '../loop-routes';

const NameParams = Type.Object({ name: LoopName });
const Errors = LoopErrors;
const HISTORY_LIMIT = { default: 100, maximum: 1000 };

const services: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { client, namespace, uiUrl } = deps.temporal;

  const onService = loopCaller(deps, (name) => `no service "${name}" is being watched`);
  // The list's count of defined loops that are not running, for Prometheus (and the shipped alert on it).
  registerLoopsNotRunningGauge(deps.metrics, () => countNotRunning(deps));

  app.get(
    '/services',
    {
      config: { role: 'read' },
      schema: {
        summary: 'Every defined service and every running health loop, with its status; a defined service whose loop is not running is marked (loop, loopSince)',
        tags: ['services'],
        security: [{ bearer: [] }],
        response: { 200: Type.Array(ServiceSummary), ...Errors },
      },
    },
    async () => onService('*', () => listServices(deps)),
  );

  app.get(
    '/services/:name',
    {
      config: { role: 'read' },
      schema: {
        summary: "A service's state: status, last results, baselines, pause, next check",
        description: "Each check shows its latest stored result; status, counters and baselines are the loop's, which a healthy service's quiet watch reports up to 10 rounds or 60 s late.",
        tags: ['services'],
        security: [{ bearer: [] }],
        params: NameParams,
        response: { 200: ServiceDetail, ...Errors },
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
      // Without PostgreSQL the loop's own (older) view still answers.
      const checks = await withLatestResults(deps.pool, request.params.name, status.checks).catch(() => status.checks);
      return { ...status, checks, workflowId, temporalUiUrl: executionUrl(uiUrl, namespace, workflowId) };
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
        querystring: Type.Object({ limit: Limit(HISTORY_LIMIT) }, { additionalProperties: false }),
        response: { 200: ServiceHistory, ...Errors },
      },
    },
    async (request) => {
      const { name } = request.params;
      const { limit = HISTORY_LIMIT.default } = request.query;
      return readServiceHistory(deps.pool, name, limit);
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
        response: { 200: Remediation, 409: ErrorBody, ...Errors },
      },
    },
    async (request) => {
      const { name } = request.params;
      // Actions may take minutes: no RPC deadline here, the action's own timeout bounds it.
      return onService(name, () => client.workflow.getHandle(workflowIds.health(name)).executeUpdate(remediateUpdate, { args: [{ ...request.body, by: request.principal!.name }] }), {
        deadline: false,
      });
    },
  );

  pauseResumeRoutes(app, deps, { path: '/services/:name', param: 'name', tag: 'services', pauses: 'remediation', workflowId: workflowIds.health, onLoop: onService });
};

export default services;
