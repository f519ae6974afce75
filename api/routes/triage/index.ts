// /api/v1/alerts (the Alertmanager webhook) and /api/v1/triage: start, list,
// read (status, budget, the whole transcript) and cancel triages. The webhook
// answers 202 only once Temporal has acknowledged every start and signal, so a
// failure before that is a 5xx and Alertmanager sends the alerts again.
import { hostname } from 'node:os';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { startTriage } from '../../../lib/client/triage';
import { NameMap } from '../../../lib/core/name-map';
import { alertmanagerPayloadSchema } from '../../../lib/core/triage/alertmanager';
import { manualWorkflowId, TRIAGE_ID_PATTERN, triageIdOf, workflowIdOf } from '../../../lib/core/triage/ids';
import { triageSettings } from '../../../lib/core/triage/settings';
import { executionUrl } from '../../../lib/core/ui-links';
import { triageApproveUpdate, triageCancelSignal, triageProgressQuery, triageRejectUpdate } from '../../../workflows/messages';
import type { ApiDeps } from '../../deps';
import { ErrorBody, HttpError } from '../../errors';
import { isWorkflowNotFound, temporalFailure } from '../../temporal-errors';
import { Limit } from '../../validation';
import { AWAITING_APPROVAL, listTriages, TriageStatus, TriageSummary, TRIAGES_LIMIT } from '../../views/triage';
import { intakePayload, type IntakeOutcome, type StartTriage } from './intake';
import { RecentAcks } from './recent-acks';

const Errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 413: ErrorBody, 503: ErrorBody };
const IdParams = Type.Object({ id: Type.String({ pattern: TRIAGE_ID_PATTERN }) });
const StringMap = (maxLength: number) => NameMap('^[a-zA-Z_][a-zA-Z0-9_]{0,127}$', Type.String({ maxLength }), { maxProperties: 64 });

const triage: FastifyPluginAsyncTypebox<{ deps: ApiDeps }> = async (app, { deps }) => {
  const { client, namespace, taskQueues, uiUrl } = deps.temporal;
  const { intake } = deps.config.llm;
  const starter: StartTriage = {
    client,
    taskQueue: taskQueues.workflows,
    settings: triageSettings(deps.config, { temporalUiUrl: uiUrl, namespace, machineName: hostname() }),
    repeatWindowMs: intake.repeatWindowMs,
    recentAcks: new RecentAcks(intake.rememberAcksMs),
  };
  const unavailable = (error: unknown) => temporalFailure(deps, error);

  app.post(
    '/alerts',
    {
      config: { role: 'operate' },
      schema: {
        summary: 'Alertmanager webhook (payload version 4): one triage per firing alert instance; resolved alerts signal theirs',
        tags: ['triage'],
        security: [{ bearer: [] }],
        body: alertmanagerPayloadSchema(intake),
        response: { 202: Type.Object({ accepted: Type.Integer(), started: Type.Array(Type.String()), repeats: Type.Array(Type.String()), resolved: Type.Array(Type.String()) }), ...Errors },
      },
    },
    async (request, reply) => {
      const outcomes: { id: string; outcome: IntakeOutcome }[] = await client
        .withDeadline(Date.now() + deps.config.temporal.rpcTimeoutMs, () => intakePayload(starter, request.body, { log: request.log, metrics: deps.metrics }))
        .catch((error: unknown) => {
          throw unavailable(error);
        });
      const ids = (kind: IntakeOutcome[]) => [...new Set(outcomes.filter((item) => kind.includes(item.outcome)).map((item) => item.id))];
      return reply.status(202).send({ accepted: outcomes.length, started: ids(['started']), repeats: ids(['repeat']), resolved: ids(['resolved']) });
    },
  );

  app.post(
    '/triage',
    {
      config: { role: 'operate' },
      schema: {
        summary: 'Start a manual triage',
        tags: ['triage'],
        security: [{ bearer: [] }],
        body: Type.Object(
          { labels: StringMap(intake.maxLabelValueChars), annotations: Type.Optional(StringMap(16 * intake.maxLabelValueChars)), question: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })) },
          { additionalProperties: false },
        ),
        response: { 202: Type.Object({ id: Type.String(), workflowId: Type.String(), temporalUiUrl: Type.Optional(Type.String()) }), ...Errors },
      },
    },
    async (request, reply) => {
      const workflowId = manualWorkflowId(crypto.randomUUID());
      const { labels, annotations = {}, question } = request.body;
      await client
        .withDeadline(Date.now() + deps.config.temporal.rpcTimeoutMs, () => startTriage(starter, workflowId, { alert: { labels, annotations, startsAt: new Date().toISOString() }, question, source: 'manual' }))
        .catch((error: unknown) => {
          throw unavailable(error);
        });
      return reply.status(202).send({ id: triageIdOf(workflowId), workflowId, temporalUiUrl: executionUrl(uiUrl, namespace, workflowId) });
    },
  );

  app.get(
    '/triage',
    {
      config: { role: 'read' },
      schema: {
        summary: 'Triages, newest first',
        tags: ['triage'],
        security: [{ bearer: [] }],
        querystring: Type.Object(
          {
            status: Type.Optional(TriageStatus),
            alertname: Type.Optional(Type.String({ maxLength: 200 })),
            since: Type.Optional(Type.String({ format: 'date-time' })),
            limit: Limit(TRIAGES_LIMIT),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Array(TriageSummary), ...Errors },
      },
    },
    async (request) => listTriages(deps.pool, request.query),
  );

  app.get(
    '/triage/:id',
    {
      config: { role: 'read' },
      schema: {
        summary: 'One triage: status, budget use, gate decision, report, the fate of a proposed remediation (approval) and the whole transcript (every model turn, tool call with input and output, usage, timings)',
        tags: ['triage'],
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 200: Type.Record(Type.String(), Type.Unknown()), ...Errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      const [runs, messages, tools] = await Promise.all([
        deps.pool.query(
          `SELECT id, workflow_id AS "workflowId", source, alertname, service, fingerprint, labels, annotations, question, status, gate, budget, report, approval,
                  (${AWAITING_APPROVAL}) AS "awaitingApproval", started_at AS "startedAt", finished_at AS "finishedAt", resolved_at AS "resolvedAt" FROM triage_runs WHERE id = $1`,
          [id],
        ),
        deps.pool.query(`SELECT turn, role, content, model, stop_reason AS "stopReason", usage, duration_ms AS "durationMs", created_at AS "at" FROM triage_messages WHERE triage_id = $1 ORDER BY turn, role DESC`, [id]),
        deps.pool.query(
          `SELECT tool_use_id AS "toolUseId", turn, name, input, status, output, full_output AS "fullOutput", truncated, duration_ms AS "durationMs", created_at AS "at" FROM triage_tool_calls WHERE triage_id = $1 ORDER BY created_at`,
          [id],
        ),
      ]);
      const run = runs.rows[0];
      if (!run) return justStarted(id);
      let progress: unknown;
      if (run.status === 'running') {
        progress = await client
          .withDeadline(Date.now() + deps.config.temporal.rpcTimeoutMs, () => client.workflow.getHandle(workflowIdOf(id)).query(triageProgressQuery))
          .catch(() => undefined);
      }
      return { ...run, progress, temporalUiUrl: executionUrl(uiUrl, namespace, run.workflowId), transcript: messages.rows, toolCalls: tools.rows };
    },
  );

  /**
   * A triage writes its row in its first step, moments after the start is
   * acknowledged: until then Temporal is the one to ask, so that a GET right
   * after POST /triage finds it.
   */
  async function justStarted(id: string) {
    const workflowId = workflowIdOf(id);
    const described = await client
      .withDeadline(Date.now() + deps.config.temporal.rpcTimeoutMs, () => client.workflow.getHandle(workflowId).describe())
      .catch((error: unknown) => {
        throw temporalFailure(deps, error, () => new HttpError(404, 'not_found', `no triage "${id}"`));
      });
    const status = described.status.name === 'RUNNING' ? 'running' : described.status.name === 'COMPLETED' ? 'completed' : described.status.name === 'CANCELLED' || described.status.name === 'TERMINATED' ? 'cancelled' : 'failed';
    return {
      id,
      workflowId,
      status,
      startedAt: described.startTime.toISOString(),
      report: null,
      progress: { phase: 'starting' },
      temporalUiUrl: executionUrl(uiUrl, namespace, workflowId),
      transcript: [],
      toolCalls: [],
    };
  }

  app.post(
    '/triage/:id/cancel',
    {
      config: { role: 'operate' },
      schema: {
        summary: 'Cancel a running triage',
        tags: ['triage'],
        security: [{ bearer: [] }],
        params: IdParams,
        body: Type.Optional(Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false })),
        response: { 202: Type.Object({ id: Type.String(), cancelled: Type.Boolean() }), 409: ErrorBody, ...Errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      try {
        await client.withDeadline(Date.now() + deps.config.temporal.rpcTimeoutMs, () =>
          client.workflow.getHandle(workflowIdOf(id)).signal(triageCancelSignal, { by: request.principal!.name, reason: request.body?.reason }),
        );
      } catch (error) {
        if (!isWorkflowNotFound(error)) throw temporalFailure(deps, error);
        // Its workflow has closed: a triage that has finished cannot be cancelled (409); one never started is not there (404).
        const { rows } = await deps.pool.query<{ status: string }>('SELECT status FROM triage_runs WHERE id = $1', [id]);
        if (rows[0]) throw new HttpError(409, 'refused', `triage "${id}" has already finished (${rows[0].status})`);
        throw new HttpError(404, 'not_found', `no triage "${id}"`);
      }
      return reply.status(202).send({ id, cancelled: true });
    },
  );

  /** A human's decision on the proposed remediation: a workflow update, 409 with the reason when refused. */
  async function decide<T>(id: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (isWorkflowNotFound(error)) {
        // The triage has finished: say what became of its proposal, if it had one.
        const { rows } = await deps.pool.query<{ approval: { kind: string; by?: string } | null }>('SELECT approval FROM triage_runs WHERE id = $1', [id]);
        const approval = rows[0]?.approval;
        if (approval) throw new HttpError(409, 'refused', `already ${approval.kind}${approval.by ? ` by ${approval.by}` : ''}`);
        if (rows[0]) throw new HttpError(409, 'refused', `triage "${id}" has finished and proposes nothing to decide`);
        throw new HttpError(404, 'not_found', `no triage "${id}"`);
      }
      throw unavailable(error);
    }
  }

  app.post(
    '/triage/:id/approve',
    {
      config: { role: 'operate' },
      schema: {
        summary: "Approve the triage's proposed remediation: runs it now through the service's remediate update and records who approved",
        tags: ['triage'],
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 200: Type.Object({ key: Type.String(), step: Type.String(), status: Type.String(), detail: Type.String(), at: Type.Number(), decidedBy: Type.String() }), 409: ErrorBody, ...Errors },
      },
    },
    // Actions may take minutes: no RPC deadline here, the action's own timeout bounds it.
    async (request) => decide(request.params.id, () => client.workflow.getHandle(workflowIdOf(request.params.id)).executeUpdate(triageApproveUpdate, { args: [{ by: request.principal!.name }] })),
  );

  app.post(
    '/triage/:id/reject',
    {
      config: { role: 'operate' },
      schema: {
        summary: "Reject the triage's proposed remediation",
        tags: ['triage'],
        security: [{ bearer: [] }],
        params: IdParams,
        body: Type.Optional(Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false })),
        response: {
          200: Type.Object({ kind: Type.String(), by: Type.Optional(Type.String()), at: Type.Number(), reason: Type.Optional(Type.String()) }),
          409: ErrorBody,
          ...Errors,
        },
      },
    },
    async (request) =>
      decide(request.params.id, () =>
        client.withDeadline(Date.now() + deps.config.temporal.rpcTimeoutMs, () =>
          client.workflow.getHandle(workflowIdOf(request.params.id)).executeUpdate(triageRejectUpdate, { args: [{ by: request.principal!.name, reason: request.body?.reason }] }),
        ),
      ),
  );
};

export default triage;
