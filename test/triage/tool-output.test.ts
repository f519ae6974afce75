// What a tool call sends the model: its output cut at the configured
// characters or estimated tokens, whichever comes first, with a note, while the
// whole result stays stored. Through the real tool activity and PostgreSQL.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createTriageActivities } from '../../activities/triage';
import { createTriageToolActivities, type ToolCallInput, type ToolOutcome } from '../../activities/triage-tools';
import { createLogger } from '../../lib/adapters/log';
import { estimateTokens } from '../../lib/core/triage/tokens';
import { createTestDatabase, testConfig, uniqueName, type TestDatabase } from '../helpers/harness';

describe('triage tool output', () => {
  let db: TestDatabase;
  let runbooks: string;
  let activities: ReturnType<typeof createTriageActivities> & ReturnType<typeof createTriageToolActivities>;
  // A runbook of latency samples: 4,000 characters, dense enough that its tokens run out first.
  const samples = Array.from({ length: 500 }, (_, index) => (100 + (index % 900) / 10).toFixed(1))
    .join(' ')
    .slice(0, 4000);

  before(async () => {
    db = await createTestDatabase('tool_output');
    runbooks = mkdtempSync(join(tmpdir(), 'vigil-runbooks-'));
    writeFileSync(join(runbooks, 'SlowShop.md'), samples);
    const config = testConfig({ llm: { sources: { runbooksDir: runbooks, maxToolOutputChars: 8000, maxToolOutputTokens: 400 } } });
    const deps = { pool: db.pool, config, log: createLogger('silent'), identity: 'test' };
    activities = { ...createTriageActivities(deps), ...createTriageToolActivities(deps) };
  });
  after(async () => {
    rmSync(runbooks, { recursive: true, force: true });
    await db.close();
  });

  it('cuts dense output at maxToolOutputTokens with a note, and stores the whole of it', async () => {
    const triageId = `manual~${uniqueName('tokens')}`;
    await activities.startTriageRun({
      triageId,
      workflowId: `triage/${triageId}`,
      source: 'manual',
      alert: { labels: { alertname: 'SlowShop' }, annotations: {} },
      gate: { investigate: true, reason: 'test' },
    });
    const call = { id: 'toolu_samples', name: 'get_runbook', input: {} };
    const outcome: ToolOutcome = await new MockActivityEnvironment().run(activities.runTriageTool, { triageId, turn: 1, call, labels: { alertname: 'SlowShop' } } satisfies ToolCallInput);
    assert.deepEqual([outcome.status, outcome.truncated], ['ok', true]);
    const { rows } = await db.pool.query<{ output: string; full_output: string; truncated: boolean }>('SELECT output, full_output, truncated FROM triage_tool_calls WHERE triage_id = $1', [triageId]);
    const [stored] = rows;
    assert.ok(stored.full_output.endsWith(samples), 'the whole runbook is stored');
    assert.ok(estimateTokens(stored.output) <= 400, `${estimateTokens(stored.output)} tokens sent`);
    assert.ok(stored.output.length < 4000 / 2, `${stored.output.length} characters sent`);
    assert.match(stored.output, /\[output cut: \d+ more characters \(about \d+ tokens\) not shown; narrow the query\]$/);
  });

  it('a call is stored once: a retry returns what is stored, and a rerun after a crash gets the stored row too', async () => {
    const triageId = `manual~${uniqueName('once')}`;
    await activities.startTriageRun({
      triageId,
      workflowId: `triage/${triageId}`,
      source: 'manual',
      alert: { labels: { alertname: 'Flaky' }, annotations: {} },
      gate: { investigate: true, reason: 'test' },
    });
    writeFileSync(join(runbooks, 'Flaky.md'), 'first version');
    const input = { triageId, turn: 1, call: { id: 'toolu_once', name: 'get_runbook', input: {} }, labels: { alertname: 'Flaky' } } satisfies ToolCallInput;
    const first: ToolOutcome = await new MockActivityEnvironment().run(activities.runTriageTool, input);
    writeFileSync(join(runbooks, 'Flaky.md'), 'second version');
    const retried: ToolOutcome = await new MockActivityEnvironment({ attempt: 2 }).run(activities.runTriageTool, input);
    const rerun: ToolOutcome = await new MockActivityEnvironment({ attempt: 1 }).run(activities.runTriageTool, input);
    for (const outcome of [first, retried, rerun]) assert.match(outcome.summary, /first version/);
    const { rows } = await db.pool.query('SELECT output FROM triage_tool_calls WHERE triage_id = $1', [triageId]);
    assert.deepEqual(
      rows.map((row) => row.output),
      ['runbook Flaky.md\n\nfirst version'],
    );
  });
});
