// /api/v1/drift: the drift loops. The list comes from Temporal's visibility
// (status) joined with each app's last check in PostgreSQL; an app's state is
// its loop's query plus the stored redacted diff; history is PostgreSQL; sync is
// an update, pause and resume are signals.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { executionUrl } from '../../../lib/core/ui-links';
import { driftStatusQuery, driftSyncUpdate, workflowIds } from '../../../workflows/messages';
import type { ApiDeps } from '../../deps';
import { ErrorBody, HttpError } from '../../errors';
import { Limit } from '../../validation';
import { DriftAppDetail, DriftAppSummary, DriftHistory, DriftSync } from '../../schemas/drift';
import { listDriftApps, readDriftDiff, readDriftHistory } from '../../views/drift';
import { LoopErrors, loopCaller, LoopName, pauseResumeRoutes } from '../loop-routes';

const AppParams = Type.Object({ app: LoopName });
const Errors = LoopErrors;
const HISTORY_LIMIT = { default: 100, maximum: 1000 };

const drift: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { client, namespace, uiUrl } = deps.temporal;

  /** A Temporal call for one app: a missing loop is a 404, an unreachable server a 503, a refused update a 409. */
  const onApp = loopCaller(deps, (name) => `no app "${name}" is being reconciled`);

  app.get(
    '/drift',
    {
      config: { role: 'read' },
      schema: {
        summary: 'Apps being reconciled: mode, status, desired revision, last check; a defined app whose loop is not running is marked (loop, loopSince)',
        tags: ['drift'],
        security: [{ bearer: [] }],
        response: { 200: Type.Array(DriftAppSummary), ...Errors },
      },
    },
    async () => listDriftApps(deps, (call) => onApp('*', call)),
  );

  app.get(
    '/drift/:app',
    {
      config: { role: 'read' },
      schema: {
        summary: "An app's state and its current diff (redacted): each object not in sync with its field changes as JSON pointers",
        tags: ['drift'],
        security: [{ bearer: [] }],
        params: AppParams,
        response: { 200: DriftAppDetail, ...Errors },
      },
    },
    async (request) => {
      const name = request.params.app;
      const workflowId = workflowIds.drift(name);
      const status = await onApp(name, async () => {
        const handle = client.workflow.getHandle(workflowId);
        const { status: execution } = await handle.describe();
        if (execution.name !== 'RUNNING') throw new HttpError(404, 'not_found', `no app "${name}" is being reconciled (its loop is ${execution.name.toLowerCase()})`);
        return handle.query(driftStatusQuery);
      });
      const diff = await readDriftDiff(deps.pool, name);
      return { ...status, diff, workflowId, temporalUiUrl: executionUrl(uiUrl, namespace, workflowId) };
    },
  );

  app.get(
    '/drift/:app/history',
    {
      config: { role: 'read' },
      schema: {
        summary: 'Syncs (when, revision, objects and fields, corrective or intentional, outcome, who) and drift events, newest first',
        tags: ['drift'],
        security: [{ bearer: [] }],
        params: AppParams,
        querystring: Type.Object({ limit: Limit(HISTORY_LIMIT) }, { additionalProperties: false }),
        response: { 200: DriftHistory, ...Errors },
      },
    },
    async (request) => {
      const { app: name } = request.params;
      const { limit = HISTORY_LIMIT.default } = request.query;
      return readDriftHistory(deps.pool, name, limit);
    },
  );

  app.post(
    '/drift/:app/sync',
    {
      config: { role: 'operate' },
      schema: {
        summary: 'Compare now and apply the desired state; 200 with what was applied, 409 with why it was refused',
        tags: ['drift'],
        security: [{ bearer: [] }],
        params: AppParams,
        body: Type.Object(
          {
            force: Type.Optional(Type.Boolean({ description: 'Apply even outside the sync windows' })),
            dryRun: Type.Optional(Type.Boolean({ description: 'Only say what would be applied' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: DriftSync, 409: ErrorBody, ...Errors },
      },
    },
    async (request) => {
      const name = request.params.app;
      // Applies may take minutes: no RPC deadline here, the activity's own timeouts bound it.
      const result = await onApp(name, () => client.workflow.getHandle(workflowIds.drift(name)).executeUpdate(driftSyncUpdate, { args: [{ ...request.body, by: request.principal!.name }] }), {
        deadline: false,
      });
      if (result.outcome === 'refused') throw new HttpError(409, 'refused', result.detail);
      return result;
    },
  );

  pauseResumeRoutes(app, deps, { path: '/drift/:app', param: 'app', tag: 'drift', pauses: 'applying', resumeNote: 'and start self-heal afresh', workflowId: workflowIds.drift, onLoop: onApp });
};

export default drift;
