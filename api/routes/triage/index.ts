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
import { triageCost } from '../../../lib/core/triage/cost';
import { manualWorkflowId, TRIAGE_ID_PATTERN, triageIdOf, workflowIdOf } from '../../../lib/core/triage/ids';
import { triageSettings } from '../../../lib/core/triage/settings';
import { executionUrl } from '../../../lib/core/ui-links';
import { triageApproveUpdate, triageCancelSignal, triageProgressQuery, triageRejectUpdate } from '../../../workflows/messages';
import type { ApiDeps } from '../../deps';
import { ErrorBody, HttpError } from '../../errors';
import { callTemporal, withRpcDeadline } from '../../rpc';
import { Remediation } from '../../schemas/services';
import { AlertsAccepted, TriageCancelled, TriageDecision, TriageDetail, TriageStarted, TriageStatus, TriageSummary } from '../../schemas/triage';
import { isWorkflowNotFound, temporalFailure } from '../../temporal-errors';
import { Limit } from '../../validation';
import { listTriages, readTriage, readTriageFate, TRIAGES_LIMIT } from '../../views/triage';
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

  app.post(
    '/alerts',
    {
      config: { role: 'operate' },
      schema: {
        summary: 'Alertmanager webhook (payload version 4): one triage per firing alert instance; resolved alerts signal theirs',
        tags: ['triage'],
        security: [{ bearer: [] }],
        body: alertmanagerPayloadSchema(intake),
        response: { 202: AlertsAccepted, ...Errors },
      },
    },
    async (request, reply) => {
      const outcomes: { id: string; outcome: IntakeOutcome }[] = await callTemporal(deps, () => intakePayload(starter, request.body, { log: request.log, metrics: deps.metrics }));
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
          {
            labels: StringMap(intake.maxLabelValueChars),
            annotations: Type.Optional(StringMap(16 * intake.maxLabelValueChars)),
            question: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
          },
          { additionalProperties: false },
        ),
        response: { 202: TriageStarted, ...Errors },
      },
    },
    async (request, reply) => {
      const workflowId = manualWorkflowId(crypto.randomUUID());
      const { labels, annotations = {}, question } = request.body;
      await callTemporal(deps, () => startTriage(starter, workflowId, { alert: { labels, annotations, startsAt: new Date().toISOString() }, question, source: 'manual' }));
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
        summary:
          'One triage: status, budget use, gate decision, report, the fate of a proposed remediation (approval), its cost (model requests, tokens, dollars at llm.prices) and the whole transcript (every model turn, tool call with input and output, usage, timings)',
        tags: ['triage'],
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 200: TriageDetail, ...Errors },
      },
    },
    async (request): Promise<TriageDetail> => {
      const { id } = request.params;
      const triage = await readTriage(deps.pool, id);
      if (!triage) return justStarted(id);
      // Only a running triage has progress to show; without an answer from Temporal the stored row still does.
      const progress = triage.status === 'running' ? await withRpcDeadline(deps, () => client.workflow.getHandle(workflowIdOf(id)).query(triageProgressQuery)).catch(() => undefined) : undefined;
      const cost = triageCost(triage.transcript, deps.config.llm.prices);
      return { ...triage, progress, temporalUiUrl: executionUrl(uiUrl, namespace, triage.workflowId), cost };
    },
  );

  /**
   * A triage writes its row in its first step, moments after the start is
   * acknowledged: until then Temporal is the one to ask, so that a GET right
   * after POST /triage finds it.
   */
  async function justStarted(id: string): Promise<TriageDetail> {
    const workflowId = workflowIdOf(id);
    const described = await callTemporal(deps, () => client.workflow.getHandle(workflowId).describe(), { missing: () => new HttpError(404, 'not_found', `no triage "${id}"`) });
    const status =
      described.status.name === 'RUNNING'
        ? 'running'
        : described.status.name === 'COMPLETED'
          ? 'completed'
          : described.status.name === 'CANCELLED' || described.status.name === 'TERMINATED'
            ? 'cancelled'
            : 'failed';
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
      cost: triageCost([], deps.config.llm.prices),
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
        response: { 202: TriageCancelled, 409: ErrorBody, ...Errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      try {
        await withRpcDeadline(deps, () => client.workflow.getHandle(workflowIdOf(id)).signal(triageCancelSignal, { by: request.principal!.name, reason: request.body?.reason }));
      } catch (error) {
        if (!isWorkflowNotFound(error)) throw temporalFailure(deps, error);
        // Its workflow has closed: a triage that has finished cannot be cancelled (409); one never started is not there (404).
        const fate = await readTriageFate(deps.pool, id);
        if (fate) throw new HttpError(409, 'refused', `triage "${id}" has already finished (${fate.status})`);
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
        const fate = await readTriageFate(deps.pool, id);
        if (fate?.approval) throw new HttpError(409, 'refused', `already ${fate.approval.kind}${fate.approval.by ? ` by ${fate.approval.by}` : ''}`);
        if (fate) throw new HttpError(409, 'refused', `triage "${id}" has finished and proposes nothing to decide`);
        throw new HttpError(404, 'not_found', `no triage "${id}"`);
      }
      throw temporalFailure(deps, error);
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
        response: { 200: Remediation, 409: ErrorBody, ...Errors },
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
        response: { 200: TriageDecision, 409: ErrorBody, ...Errors },
      },
    },
    async (request) =>
      decide(request.params.id, () =>
        withRpcDeadline(deps, () =>
          client.workflow.getHandle(workflowIdOf(request.params.id)).executeUpdate(triageRejectUpdate, { args: [{ by: request.principal!.name, reason: request.body?.reason }] }),
        ),
      ),
  );
};

export default triage;
