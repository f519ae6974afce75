// The offline investigator (no API key): the report it writes, and that the
// choice is made before any model call, so that the history an operator reads in
// the Temporal UI shows no failed activity; a worker that lacks the key the
// starter had still falls back to it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { manualWorkflowId, triageIdOf } from '../../lib/core/triage/ids';
import type { TriageSettings } from '../../lib/core/triage/settings';
import { triageWorkflow } from '../../workflows';
import { taskQueues } from '../../workflows/messages';
import { uniqueName } from '../helpers/harness';
import { saveHistory } from '../helpers/histories';
import { startTriageRig, type TriageRig } from './setup';

describe('offline triage', () => {
  let rig: TriageRig;
  before(async () => {
    rig = await startTriageRig();
  });
  after(async () => {
    await rig?.close();
  });

  /** Runs a triage of ShopDown on job shop to its end; the model fixture is scripted with nothing. */
  async function run(scenario: string, settings: Partial<TriageSettings> | TriageSettings = {}, labels: Record<string, string> = {}) {
    rig.anthropic.script(scenario, []);
    const workflowId = manualWorkflowId(uniqueName(scenario));
    const handle: WorkflowHandle<typeof triageWorkflow> = await rig.temporal.client.workflow.start(triageWorkflow, {
      taskQueue: taskQueues(rig.temporal.taskQueuePrefix).workflows,
      workflowId,
      args: [{ alert: { labels: { alertname: 'ShopDown', service: 'shop', scenario, ...labels }, annotations: {} }, source: 'manual', settings: rig.settings(settings) }],
    });
    const triageId = triageIdOf(workflowId);
    const result = await handle.result();
    const { rows } = await rig.db.pool.query('SELECT status, report, budget FROM triage_runs WHERE id = $1', [triageId]);
    return { handle, triageId, result, run: rows[0], all: rig.anthropic.requests.filter((request) => request.scenario === scenario) };
  }

  it('without an API key the offline investigator writes the same report shape, marked offline', async () => {
    const key = process.env[rig.apiKeyEnv];
    delete process.env[rig.apiKeyEnv];
    try {
      const { result, all, run: stored, handle, triageId } = await run('offline', {}, { job: 'shop' });
      await saveHistory(handle, 'triage-offline');
      assert.equal(result.status, 'completed');
      assert.equal(all.length, 0);
      assert.equal(stored.report.offline, true);
      const { rows } = await rig.db.pool.query('SELECT name, input FROM triage_tool_calls WHERE triage_id = $1 ORDER BY length(tool_use_id), tool_use_id', [triageId]);
      assert.deepEqual(
        rows.map((row) => row.name),
        [
          'rank_suspects',
          'query_metrics',
          'vigil_service_status',
          'vigil_recent_actions',
          'query_metrics_range',
          'query_metrics_range',
          'vigil_drift_status',
          'query_logs',
          'get_runbook',
          'past_triages',
        ],
      );
      assert.equal(rows[4].input.query, 'sum(rate(http_requests_total{job="shop",code=~"5.."}[5m]))', 'the error rate, from llm.offline.errorRateQuery');
      assert.equal(rows[5].input.query, 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job="shop"}[5m])))', 'the latency');
      assert.ok(stored.report.evidence.some((item: { claim: string }) => /get_runbook \(ok\): runbook ShopDown\.md/.test(item.claim)));
      assert.ok(stored.report.evidence.some((item: { claim: string }) => /query_logs \(ok\).*connection pool exhausted/.test(item.claim)));
    } finally {
      process.env[rig.apiKeyEnv] = key;
    }
  });

  it('an offline triage shows no failed activity in its history, even with a gate model: the model activities say there is no key', async () => {
    const key = process.env[rig.apiKeyEnv];
    delete process.env[rig.apiKeyEnv];
    try {
      const { result, all, run: stored, handle, triageId } = await run('offline-quiet', { gateModel: 'claude-haiku-test' }, { job: 'shop' });
      assert.equal(result.status, 'completed');
      assert.equal(all.length, 0);
      assert.equal(stored.report.offline, true);
      // What the Temporal UI shows: no red activity; the gate and the first turn each ran once and answered "no key".
      const events = (await handle.fetchHistory()).events ?? [];
      const failed = events.filter((event) => event.activityTaskFailedEventAttributes || event.activityTaskTimedOutEventAttributes);
      assert.deepEqual(
        failed.map((event) => event.eventId?.toString()),
        [],
        'no failed activity',
      );
      const scheduled = events.flatMap((event) => event.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
      assert.deepEqual(
        scheduled.filter((name) => /^triage(Model|Gate)Turn$/.test(name)),
        ['triageGateTurn', 'triageModelTurn'],
      );
      const { rows } = await rig.db.pool.query('SELECT gate FROM triage_runs WHERE id = $1', [triageId]);
      assert.deepEqual(rows[0].gate, { investigate: true, reason: 'rules passed; no model for the gate' });
    } finally {
      process.env[rig.apiKeyEnv] = key;
    }
  });
});
