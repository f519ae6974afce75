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
import { DriftAppSummary, listDriftApps } from '../../views/drift';
import { LoopErrors, loopCaller, LoopName, pauseResumeRoutes } from '../loop-routes';

const AppParams = Type.Object({ app: LoopName });
const Errors = LoopErrors;
const HISTORY_LIMIT = { default: 100, maximum: 1000 };
const Json = Type.Record(Type.String(), Type.Unknown());

const SyncView = Type.Object({
  outcome: Type.String(),
  key: Type.Optional(Type.String()),
  revision: Type.String(),
  kind: Type.Optional(Type.String()),
  objects: Type.Array(Type.String()),
  fields: Type.Array(Type.String()),
  detail: Type.String(),
  replayed: Type.Optional(Type.Boolean()),
  at: Type.Number(),
  trigger: Type.String(),
  by: Type.String(),
});

const drift: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { client, namespace, uiUrl } = deps.temporal;

  /** A Temporal call for one app: a missing loop is a 404, an unreachable server a 503, a refused update a 409. */
  const onApp = loopCaller(deps, (name) => `no app "${name}" is being reconciled`);

  app.get(
    '/drift',
    {
      config: { role: 'read' },
      schema: { summary: 'Apps being reconciled: mode, status, desired revision, last check', tags: ['drift'], security: [{ bearer: [] }], response: { 200: Type.Array(DriftAppSummary), ...Errors } },
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
        response: { 200: Json, ...Errors },
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
      const { rows } = await deps.pool.query('SELECT checked_at, revision, status, objects, drifted, fields, error FROM drift_state WHERE app = $1', [name]);
      const row = rows[0];
      const diff = row ? { checkedAt: row.checked_at, revision: row.revision, status: row.status, objects: row.objects, fields: row.fields, error: row.error || undefined, drifted: row.drifted } : null;
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
        response: { 200: Type.Object({ syncs: Type.Array(Type.Unknown()), events: Type.Array(Type.Unknown()) }), ...Errors },
      },
    },
    async (request) => {
      const { app: name } = request.params;
      const { limit = HISTORY_LIMIT.default } = request.query;
      const [syncs, events] = await Promise.all([
        deps.pool.query(
          `SELECT started_at AS at, finished_at AS "finishedAt", revision, kind, trigger, decided_by AS by, status AS outcome, objects, changes, detail, idempotency_key AS key
             FROM drift_syncs WHERE app = $1 ORDER BY started_at DESC LIMIT $2`,
          [name, limit],
        ),
        deps.pool.query(`SELECT at, revision, status, fields, changes, error FROM drift_events WHERE app = $1 ORDER BY at DESC LIMIT $2`, [name, limit]),
      ]);
      return { syncs: syncs.rows, events: events.rows };
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
        response: { 200: SyncView, 409: ErrorBody, ...Errors },
      },
    },
    async (request) => {
      const name = request.params.app;
      // Applies may take minutes: no RPC deadline here, the activity's own timeouts bound it.
      const result = await onApp(
        name,
        () => client.workflow.getHandle(workflowIds.drift(name)).executeUpdate(driftSyncUpdate, { args: [{ ...request.body, by: request.principal!.name }] }),
        false,
      );
      if (result.outcome === 'refused') throw new HttpError(409, 'refused', result.detail);
      return result;
    },
  );

  pauseResumeRoutes(app, deps, { path: '/drift/:app', param: 'app', tag: 'drift', pauses: 'applying', resumeNote: 'and start self-heal afresh', workflowId: workflowIds.drift, onLoop: onApp });
};

export default drift;
