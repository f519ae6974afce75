// How an investigation ends: the model's submit_report (forced on the final turn),
// prose instead of a report, no report at all, and a model that repeats one call
// forever, on the real worker set with the Anthropic fixture.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { lastUserText, tool, triageRunner } from './runner';
import { startTriageRig, type TriageRig } from './setup';

describe('triage endings', () => {
  let rig: TriageRig;
  before(async () => {
    rig = await startTriageRig();
  });
  after(async () => {
    await rig?.close();
  });
  const { run } = triageRunner(() => rig);

  it('the model ends with submit_report: a structured report whose citations name real tool calls; the final turn forces it', async () => {
    const submit = (id: string, evidence: { claim: string; toolUseId: string }[]) =>
      tool(id, 'submit_report', {
        summary: 'payments is slow',
        rootCause: { service: 'payments', kind: 'latency', description: 'payments answers in 2 s' },
        evidence,
        confidence: 'high',
        nextSteps: ['check the payments timeout'],
      });
    const through = await run('submit', [
      { content: [tool('toolu_s1', 'get_runbook', { name: 'ShopDown' })], stop_reason: 'tool_use' },
      {
        content: [
          submit('toolu_s2', [
            { claim: 'the runbook says so', toolUseId: 'toolu_s1' },
            { claim: 'a made-up metric', toolUseId: 'toolu_invented' },
          ]),
        ],
        stop_reason: 'tool_use',
      },
    ]);
    assert.equal(through.result.status, 'completed');
    assert.equal(through.billed.length, 2);
    const report = through.run.report;
    assert.deepEqual([report.rootCauseService, report.causeKind, report.confidence, report.unstructured], ['payments', 'latency', 'high', undefined]);
    assert.deepEqual(report.evidence, [{ claim: 'the runbook says so', toolUseId: 'toolu_s1' }]);
    assert.equal(report.droppedCitations, 1);
    assert.ok(through.billed[0].body.tools?.some((definition) => definition.name === 'submit_report'));
    const { rows } = await rig.db.pool.query('SELECT tool_use_id FROM triage_tool_calls WHERE triage_id = $1', [through.triageId]);
    assert.deepEqual(
      rows.map((row) => row.tool_use_id),
      ['toolu_s1'],
      'submit_report is never run as a tool',
    );

    // Out of tool budget: the final call forces submit_report.
    const forced = await run(
      'submit-forced',
      [
        { content: [tool('toolu_f1', 'get_runbook', { name: 'ShopDown' })], stop_reason: 'tool_use' },
        { content: [submit('toolu_f2', [])], stop_reason: 'tool_use' },
      ],
      {
        budgets: { maxToolCalls: 1, maxInputTokens: 200_000, maxOutputTokens: 50_000, wallClockMs: 600_000 },
      },
    );
    assert.deepEqual(forced.billed[1].body.tool_choice, { type: 'tool', name: 'submit_report' });
    assert.equal(forced.run.report.rootCauseService, 'payments');

    // Prose anyway: a report all the same, marked unstructured, with the confidence its text states.
    const prose = await run('prose', [{ content: [{ type: 'text', text: 'Payments is slow: its pool is full.\n\nConfidence: medium' }], stop_reason: 'end_turn' }]);
    assert.deepEqual([prose.run.report.unstructured, prose.run.report.confidence, prose.run.report.summary], [true, 'medium', 'Payments is slow: its pool is full.']);

    // No report at all: what is known, never a placeholder.
    const none = await run('no-report', [{ content: [], stop_reason: 'end_turn' }]);
    assert.equal(none.result.status, 'completed');
    assert.equal(none.run.report.partial, true);
  });

  it('a model that repeats one call forever ends in a handful of requests, with a report', async () => {
    const forever = Array.from({ length: 40 }, (_, index) => ({ content: [tool(`toolu_loop${index}`, 'get_runbook', { name: 'ShopDown' })], stop_reason: 'tool_use' as const }));
    const { result, run: row, billed, triageId } = await run('repeat-forever', forever, { budgets: { maxToolCalls: 15, maxInputTokens: 200_000, maxOutputTokens: 50_000, wallClockMs: 600_000 } });
    // One call that ran, two turns of repeats, then at most two final calls that still ask for the tool.
    assert.ok(billed.length <= 5, `${billed.length} model requests`);
    assert.equal(result.status, 'completed');
    assert.match(String(row.report.limitedBy), /asked again for results it already had \(2 turns in a row\)|kept asking for tools/);
    assert.equal(billed[3].body.tool_choice?.type, 'tool');
    assert.match(lastUserText(billed[3]), /asked again for results you already have/);
    const { rows } = await rig.db.pool.query('SELECT tool_use_id FROM triage_tool_calls WHERE triage_id = $1', [triageId]);
    assert.equal(rows.length, 1, 'the repeats never ran');
  });
});
