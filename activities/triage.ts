// Triage bookkeeping: the run row and the alert as turn 1 (at start), the report
// and final status (at the end), each an upsert keyed by the triage id so a
// retry writes the same row again. And the hand-off from the health loop:
// startServiceTriage starts a manual triage of a service Vigil gave up on.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { FAILURES } from '../lib/core/failures';
import { ApplicationFailure } from '@temporalio/activity';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { startTriage } from '../lib/client/triage';
import type { BudgetUse } from '../lib/core/triage/budget';
import { manualWorkflowId, triageIdOf } from '../lib/core/triage/ids';
import { offlineReport } from '../lib/core/triage/offline';
import { initialMessage } from '../lib/core/triage/prompt';
import { parseReport, reportFromSubmission, reportFromWhatIsKnown } from '../lib/core/triage/report';
import { isReportCall } from '../lib/core/triage/report-tool';
import { triageSettings } from '../lib/core/triage/settings';
import { textOf, type Block } from '../lib/core/triage/transcript';
import type { GateDecision, TriageAlert, TriageReport, TriageStatus } from '../lib/core/triage/types';
import { remediateUpdate, workflowIds, type RemediationView, type TriageDecision } from '../workflows/messages';
import type { ActivityDeps } from './deps';

export interface StartRunInput {
  triageId: string;
  workflowId: string;
  source: 'alertmanager' | 'manual' | 'vigil';
  alert: TriageAlert;
  question?: string;
  gate: GateDecision;
}

export interface FinishInput {
  triageId: string;
  status: TriageStatus;
  budget: BudgetUse;
  startedAt: number;
  /** How the report is written: from the model's last answer, or from what is known (partial). */
  report?: { from: 'answer' } | { from: 'known'; limitedBy: string } | { from: 'offline' } | { from: 'none' };
  alert: TriageAlert;
  limitedBy?: string;
  resolvedAt?: number;
}

export function createTriageActivities({ pool, config, metrics, temporal }: ActivityDeps) {
  return {
    async startTriageRun(input: StartRunInput): Promise<void> {
      const { labels, annotations } = input.alert;
      await pool.query(
        `INSERT INTO triage_runs (id, workflow_id, source, alertname, service, fingerprint, labels, annotations, question, status, gate, budget)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, '{}') ON CONFLICT (id) DO NOTHING`,
        [
          input.triageId,
          input.workflowId,
          input.source,
          labels.alertname ?? '',
          labels.service ?? labels.job ?? '',
          input.alert.fingerprint ?? null,
          JSON.stringify(labels),
          JSON.stringify(annotations),
          input.question ?? null,
          input.gate.investigate ? 'running' : 'skipped',
          JSON.stringify(input.gate),
        ],
      );
      metrics?.triageGate.inc({ decision: input.gate.investigate ? 'investigate' : 'skip' });
      if (!input.gate.investigate) return;
      await pool.query(`INSERT INTO triage_messages (triage_id, turn, role, content) VALUES ($1, 1, 'user', $2) ON CONFLICT (triage_id, turn, role) DO NOTHING`, [
        input.triageId,
        JSON.stringify([{ type: 'text', text: initialMessage(input.alert, input.question) }]),
      ]);
    },

    /** Writes the report and final status; returns the report (bounded) for the notification. */
    async finishTriage(input: FinishInput): Promise<TriageReport | null> {
      let report: TriageReport | null = null;
      const how = input.report ?? { from: 'none' };
      if (how.from !== 'none') {
        const [{ rows: turns }, { rows: tools }] = await Promise.all([
          pool.query<{ content: Block[] }>(`SELECT content FROM triage_messages WHERE triage_id = $1 AND role = 'assistant' ORDER BY turn`, [input.triageId]),
          pool.query<{ tool_use_id: string; name: string; status: string; output: string }>(
            `SELECT tool_use_id, name, status, output FROM triage_tool_calls WHERE triage_id = $1 ORDER BY created_at`,
            [input.triageId],
          ),
        ]);
        const ids = tools.map((tool) => tool.tool_use_id);
        // Text after the last tool batch: the model's answer, over one or more turns (pause_turn, max_tokens).
        const texts = turns.map((turn) => textOf(turn.content));
        const last = texts.at(-1) ?? '';
        if (how.from === 'offline')
          report = offlineReport(
            input.alert,
            tools.map((tool) => ({ id: tool.tool_use_id, name: tool.name, status: tool.status, output: tool.output })),
          );
        else if (how.from === 'answer' && submission(turns.at(-1)?.content)) report = reportFromSubmission(submission(turns.at(-1)!.content)!, ids);
        else if (how.from === 'answer' && last) report = parseReport(last, ids);
        else {
          const evidence = tools.map((tool) => ({ claim: `${tool.name} (${tool.status}): ${tool.output.split('\n').slice(0, 2).join(' ').slice(0, 300)}`, toolUseId: tool.tool_use_id }));
          // The latest text is the model's most complete answer so far.
          report = reportFromWhatIsKnown(texts.filter(Boolean).at(-1) ?? '', evidence, how.from === 'known' ? how.limitedBy : 'the model gave no answer');
        }
        if (input.limitedBy && !report.limitedBy) report.limitedBy = input.limitedBy;
      }
      await pool.query(
        `UPDATE triage_runs SET status = $2, budget = $3, report = $4, finished_at = COALESCE(finished_at, now()),
                resolved_at = COALESCE(resolved_at, to_timestamp($5 / 1000.0))
          WHERE id = $1`,
        [input.triageId, input.status, JSON.stringify(input.budget), report ? JSON.stringify(report) : null, input.resolvedAt ?? null],
      );
      metrics?.triages.inc({ outcome: input.status });
      metrics?.triageDuration.observe((Date.now() - input.startedAt) / 1000);
      return report;
    },

    /**
     * Runs an approved remediation through the service's remediate update. The
     * update id is the triage's, so a retried activity gets the first result
     * from Temporal instead of acting twice.
     */
    async remediateForTriage(input: { triageId: string; service: string; action?: string; reason: string; by: string }): Promise<RemediationView> {
      if (!temporal) throw ApplicationFailure.nonRetryable('this worker has no Temporal client', FAILURES.triageNotAvailable);
      const handle = temporal.client.workflow.getHandle(workflowIds.health(input.service));
      try {
        return await handle.executeUpdate(remediateUpdate, {
          args: [{ action: input.action, reason: `triage ${input.triageId}: ${input.reason}`.slice(0, 500), by: `${input.by} (approved triage ${input.triageId})` }],
          updateId: `triage-approve/${input.triageId}`,
        });
      } catch (error) {
        if (error instanceof WorkflowUpdateFailedError)
          throw ApplicationFailure.nonRetryable(`${input.service} refused: ${(error.cause as Error)?.message ?? error.message}`, FAILURES.remediationRefused);
        if (error instanceof WorkflowNotFoundError) throw ApplicationFailure.nonRetryable(`no service "${input.service}" is being watched`, FAILURES.remediationRefused);
        throw error;
      }
    },

    /** The model gate's verdict replaces the rules' one in the run row. */
    async recordTriageGate(input: { triageId: string; gate: GateDecision }): Promise<void> {
      await pool.query(`UPDATE triage_runs SET gate = $2 WHERE id = $1`, [input.triageId, JSON.stringify(input.gate)]);
      metrics?.triageGate.inc({ decision: input.gate.investigate ? 'model-investigate' : 'model-skip' });
    },

    async recordTriageDecision(input: { triageId: string; decision: TriageDecision }): Promise<void> {
      await pool.query(`UPDATE triage_runs SET approval = $2 WHERE id = $1`, [input.triageId, JSON.stringify(input.decision)]);
    },

    /** The alert resolved after the report: the first time it did is what is kept. */
    async recordTriageResolved(input: { triageId: string; resolvedAt: number }): Promise<void> {
      await pool.query(`UPDATE triage_runs SET resolved_at = COALESCE(resolved_at, to_timestamp($2 / 1000.0)) WHERE id = $1`, [input.triageId, input.resolvedAt]);
    },

    /**
     * Hands a service off to triage (the health loop, when it gives up): starts
     * `triage/manual/<id>` with labels {service, alertname: "VigilGaveUp"} and returns the id.
     * `key` (e.g. the health loop's decision key) makes a retried call find the
     * triage it started instead of starting another.
     */
    async startServiceTriage(input: { service: string; reason: string; details?: string[]; key?: string }): Promise<{ triageId: string; workflowId: string }> {
      if (!temporal) throw ApplicationFailure.nonRetryable('this worker has no Temporal client to start triages with', FAILURES.triageNotAvailable);
      const workflowId = manualWorkflowId(input.key ? input.key.replace(/[^A-Za-z0-9._:+-]/g, '.').slice(-100) : randomUUID());
      const alert: TriageAlert = {
        labels: { alertname: 'VigilGaveUp', service: input.service },
        annotations: { summary: `Vigil gave up remediating ${input.service}: ${input.reason}`.slice(0, 1000), ...(input.details?.length ? { details: input.details.join('\n').slice(0, 8000) } : {}) },
        startsAt: new Date().toISOString(),
      };
      // Never a second triage under the same key, running or finished (an infinite repeat window).
      const settings = triageSettings(config, { namespace: temporal.client.options.namespace, machineName: hostname() });
      await startTriage({ client: temporal.client, taskQueue: temporal.workflowTaskQueue, settings, repeatWindowMs: Infinity }, workflowId, { alert, source: 'vigil' });
      return { triageId: triageIdOf(workflowId), workflowId };
    },
  };
}

/** The input of the submit_report call of an assistant turn, if it made one. */
function submission(content: Block[] | undefined): Record<string, unknown> | undefined {
  const call = (content ?? []).find((block) => block.type === 'tool_use' && isReportCall({ name: String(block.name) }));
  return call && typeof call.input === 'object' && call.input ? (call.input as Record<string, unknown>) : undefined;
}
