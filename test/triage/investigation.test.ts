// A whole investigation on the real worker set: the model (fixture, through the
// real SDK) calls tools in parallel against a real Prometheus, the Loki fixture
// and a runbook, then answers; the transcript is in PostgreSQL and the report in Slack.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { manualWorkflowId, triageIdOf } from '../../lib/core/triage/ids';
import type { TriageSettings } from '../../lib/core/triage/settings';
import { triageWorkflow } from '../../workflows';
import { taskQueues } from '../../workflows/messages';
import type { Reply } from '../fixtures/anthropic';
import { eventually } from '../helpers/eventually';
import { uniqueName } from '../helpers/harness';
import { saveHistory } from '../helpers/histories';
import { startTriageRig, type TriageRig } from './setup';

const answer = (summary: string): Reply => ({
  content: [{ type: 'text', text: `\`\`\`json\n${JSON.stringify({ summary, rootCause: 'rc', evidence: [], confidence: 'low', nextSteps: [] })}\n\`\`\`` }],
  stop_reason: 'end_turn',
});

describe('triage investigation', () => {
  let rig: TriageRig;
  before(async () => {
    rig = await startTriageRig({ prometheus: true });
  });
  after(async () => {
    await rig?.close();
  });

  async function run(scenario: string, settings: Partial<TriageSettings> = {}) {
    const workflowId = manualWorkflowId(uniqueName(scenario));
    const handle = await rig.temporal.client.workflow.start(triageWorkflow, {
      taskQueue: taskQueues(rig.temporal.taskQueuePrefix).workflows,
      workflowId,
      args: [
        {
          alert: { labels: { alertname: 'ShopDown', service: 'shop', scenario }, annotations: { summary: 'shop is down' }, startsAt: new Date().toISOString() },
          source: 'manual',
          settings: rig.settings(settings),
        },
      ],
    });
    return { handle, triageId: triageIdOf(workflowId), result: await handle.result() };
  }

  it('calls tools in parallel, stores the transcript, and posts the report to Slack', async () => {
    rig.anthropic.script('full', [
      {
        content: [
          { type: 'text', text: 'Let me look at the pool, the logs and the runbook.' },
          { type: 'tool_use', id: 'toolu_pool', name: 'query_metrics', input: { query: 'shop_db_pool_in_use / shop_db_pool_max' } },
          { type: 'tool_use', id: 'toolu_logs', name: 'query_logs', input: { query: '{service="shop"} |= "error"' } },
          { type: 'tool_use', id: 'toolu_book', name: 'get_runbook', input: {} },
        ],
        stop_reason: 'tool_use',
      },
      {
        content: [
          {
            type: 'text',
            text: 'The database pool is exhausted.\n```json\n{"summary":"shop is down: its database pool is exhausted","rootCause":"all 50 connections of the orders pool are in use","evidence":[{"claim":"pool at 100%","toolUseId":"toolu_pool"},{"claim":"connection pool exhausted in logs","toolUseId":"toolu_logs"}],"confidence":"high","nextSteps":["restart shop","find the connection leak"]}\n```',
          },
        ],
        stop_reason: 'end_turn',
      },
    ]);
    const { handle, triageId, result } = await run('full');
    if (result.status !== 'completed')
      console.log(JSON.stringify((await rig.db.pool.query('SELECT report FROM triage_runs WHERE id = $1', [triageId])).rows[0]), JSON.stringify(rig.anthropic.requests.at(-1)?.body.messages));
    assert.equal(result.status, 'completed');
    assert.equal(result.summary, 'shop is down: its database pool is exhausted');

    // Two billed turns; the second sends back one tool_result per tool_use, with real output.
    const billed = rig.anthropic.billed('full');
    assert.equal(billed.length, 2);
    const second = billed[1].body;
    const results = second.messages[2].content.filter((block) => block.type === 'tool_result');
    assert.deepEqual(
      results.map((block) => block.tool_use_id),
      ['toolu_pool', 'toolu_logs', 'toolu_book'],
    );
    assert.match(String(results[0].content), /job="shop"[^\n]* 1$/m, 'the ratio from the real Prometheus');
    assert.match(String(results[1].content), /connection pool exhausted/);
    assert.doesNotMatch(String(results[1].content), /not ours/);
    assert.match(String(results[2].content), /Check the database pool/);

    // Prompt caching: system prompt, tool definitions and the transcript's last block; the second turn reads the cache.
    assert.ok(Array.isArray(second.system) && second.system[0].cache_control);
    assert.ok(second.tools?.at(-1)?.cache_control);
    assert.ok(second.messages.at(-1)?.content.at(-1)?.cache_control);
    assert.equal(second.messages.flatMap((message) => message.content).filter((block) => block.cache_control).length, 1);
    assert.equal(billed[0].apiKey, 'sk-ant-test-0123456789');

    const { rows: messages } = await rig.db.pool.query(`SELECT turn, role, stop_reason, usage FROM triage_messages WHERE triage_id = $1 ORDER BY turn, role DESC`, [triageId]);
    assert.deepEqual(
      messages.map((row) => `${row.turn}:${row.role}:${row.stop_reason ?? ''}`),
      ['1:user:', '1:assistant:tool_use', '2:user:', '2:assistant:end_turn'],
    );
    assert.ok(messages[3].usage.cacheRead > 0, 'the second turn reads the cached prefix');
    const { rows: tools } = await rig.db.pool.query(`SELECT tool_use_id, name, status FROM triage_tool_calls WHERE triage_id = $1 ORDER BY tool_use_id`, [triageId]);
    assert.deepEqual(
      tools.map((row) => `${row.tool_use_id}:${row.name}:${row.status}`),
      ['toolu_book:get_runbook:ok', 'toolu_logs:query_logs:ok', 'toolu_pool:query_metrics:ok'],
    );
    const { rows: runs } = await rig.db.pool.query(`SELECT status, report, budget FROM triage_runs WHERE id = $1`, [triageId]);
    assert.equal(runs[0].status, 'completed');
    assert.equal(runs[0].report.confidence, 'high');
    assert.deepEqual(
      runs[0].report.evidence.map((item: { toolUseId: string }) => item.toolUseId),
      ['toolu_pool', 'toolu_logs'],
    );
    assert.equal(runs[0].budget.toolCalls, 3);

    const posted = rig.slack.requests.find((request) => JSON.stringify(request.body).includes('database pool is exhausted'));
    assert.ok(posted, 'the report reached Slack');
    const text = JSON.stringify(posted.body);
    assert.match(text, /alert triaged/);
    assert.match(text, /Root cause: all 50 connections/);
    assert.match(text, /toolu_pool/);
    assert.match(text, new RegExp(`http://vigil\\.test/#triage=${encodeURIComponent(triageId)}\\|Open in Vigil`));
    const scraped = await rig.metrics.registry.metrics();
    assert.match(scraped, /vigil_triages_total\{outcome="completed"\} 1\n/);
    assert.match(scraped, /vigil_triage_tool_calls_total\{tool="query_metrics",outcome="ok"\} 1\n/);
    assert.match(scraped, /vigil_triage_tokens_total\{kind="cacheRead"\} [1-9]/);
    assert.match(scraped, /vigil_triage_gate_decisions_total\{decision="investigate"\} 1\n/);
    assert.match(scraped, /vigil_triage_duration_seconds_count 1\n/);
    await saveHistory(handle, 'triage-investigation');
  });

  it('runs a batch of tools at once, and each of the remaining tools reads what it should', async () => {
    const service = uniqueName('checkout').replace('_', '-');
    // What the health loop would have stored for a service it watches.
    await rig.db.pool.query(`INSERT INTO health_transitions (service, round, from_status, to_status, at, reason) VALUES ($1, 7, 'healthy', 'unhealthy', now(), '3 consecutive failures: HTTP 503')`, [
      service,
    ]);
    await rig.db.pool.query(`INSERT INTO check_results (service, round, check_name, checked_at, up, latency_ms, attempts, detail) VALUES ($1, 7, 'healthz', now(), false, 12.4, 1, 'HTTP 503')`, [
      service,
    ]);
    // An earlier triage of the same alertname, with its conclusion.
    const earlier = { summary: 'checkout lost its cache', rootCause: 'the cache node was evicted', evidence: [], confidence: 'high', nextSteps: [] };
    rig.anthropic.script('earlier', [{ content: [{ type: 'text', text: `\`\`\`json\n${JSON.stringify(earlier)}\n\`\`\`` }], stop_reason: 'end_turn' }]);
    const first = await rig.temporal.client.workflow.execute(triageWorkflow, {
      taskQueue: taskQueues(rig.temporal.taskQueuePrefix).workflows,
      workflowId: manualWorkflowId(uniqueName('earlier')),
      args: [{ alert: { labels: { alertname: 'CheckoutSlow', scenario: 'earlier' }, annotations: {} }, source: 'manual', settings: rig.settings() }],
    });
    assert.equal(first.status, 'completed');

    // Ten minutes before to five after now (this Prometheus has only seconds of data): 900 s, so a 9 s step.
    const now = Math.round(Date.now() / 1000);
    const window = { start: String(now - 600), end: String(now + 300), step: '1' };
    rig.anthropic.script('tools', [
      {
        content: [
          { type: 'tool_use', id: 'toolu_logs_a', name: 'query_logs', input: { query: '{service="shop"}' } },
          { type: 'tool_use', id: 'toolu_logs_b', name: 'query_logs', input: { query: '{service="shop"} |= "error"' } },
          { type: 'tool_use', id: 'toolu_range', name: 'query_metrics_range', input: { query: 'shop_db_pool_in_use', ...window } },
        ],
        stop_reason: 'tool_use',
      },
      {
        content: [
          { type: 'tool_use', id: 'toolu_status', name: 'vigil_service_status', input: { service } },
          { type: 'tool_use', id: 'toolu_past', name: 'past_triages', input: { alertname: 'CheckoutSlow' } },
        ],
        stop_reason: 'tool_use',
      },
      answer('read everything'),
    ]);
    rig.loki.hold = true;
    const sentBefore = rig.loki.requests.length;
    const workflowId = manualWorkflowId(uniqueName('tools'));
    const handle = await rig.temporal.client.workflow.start(triageWorkflow, {
      taskQueue: taskQueues(rig.temporal.taskQueuePrefix).workflows,
      workflowId,
      args: [{ alert: { labels: { alertname: 'CheckoutSlow', service, scenario: 'tools' }, annotations: {} }, source: 'manual', settings: rig.settings() }],
    });
    try {
      // Both log queries wait in Loki together: the batch runs in parallel, not one call after another.
      const waiting = () => new Set(rig.loki.requests.slice(sentBefore).map((request) => request.query));
      await eventually(async () => waiting().has('{service="shop"}') && waiting().has('{service="shop"} |= "error"'), 'both log queries in flight at once');
    } finally {
      rig.loki.release();
    }
    assert.equal((await handle.result()).status, 'completed');

    const { rows } = await rig.db.pool.query<{ tool_use_id: string; status: string; output: string }>('SELECT tool_use_id, status, output FROM triage_tool_calls WHERE triage_id = $1', [
      triageIdOf(workflowId),
    ]);
    const output = Object.fromEntries(rows.map((row) => [row.tool_use_id, `${row.status}: ${row.output}`]));
    assert.match(output.toolu_logs_a, /^ok: 2 lines, newest first\n/);
    assert.match(output.toolu_logs_b, /^ok: 1 lines, newest first\n.*connection pool exhausted/);
    // A real range query, the 1 s step asked for raised so that the window has at most 100 points.
    assert.match(output.toolu_range, /^ok: step 9s\n1 series\n\{__name__="shop_db_pool_in_use",instance="[^"]+",job="shop"\} \d+ points from .*, max 50, last 50/);
    assert.match(
      output.toolu_status,
      new RegExp(
        `^ok: service ${service}: unhealthy\ntransitions \\(newest first\\):\n  .* healthy -> unhealthy: 3 consecutive failures: HTTP 503\nlatest check results:\n  healthz DOWN 12 ms at .*: HTTP 503$`,
      ),
    );
    assert.match(output.toolu_past, /^ok: .* manual~earlier_\w+ \(CheckoutSlow, completed\): checkout lost its cache \| root cause: the cache node was evicted \| confidence high$/);
  });
});
