// The investigation's turns as the core decides them, without Temporal: when a
// call must be the final one and what it is told, what each answer leads to, and
// what the next call answers for the tools of a batch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addUsage, callKey, NO_USE, type Budgets } from '../../lib/core/triage/budget';
import { FINAL_ANSWER_NOTE, REPEATS_NOTE } from '../../lib/core/triage/prompt';
import {
  afterTools,
  afterTurn,
  beginTurn,
  failedCall,
  MAX_PROGRESS_TOOLS,
  MAX_REPEAT_TURNS,
  modelCallBoundMs,
  newTurnLoop,
  toolSummary,
  withLines,
  type TurnContext,
} from '../../lib/core/triage/turns';

const budgets: Budgets = { maxToolCalls: 3, maxInputTokens: 200_000, maxOutputTokens: 50_000, wallClockMs: 600_000 };
const context: TurnContext = { continueOnResolve: false, budgets, use: NO_USE, elapsedMs: 0, maxTokensPerTurn: 4096 };
const call = (id: string, name = 'get_runbook', input: Record<string, unknown> = {}) => ({ id, name, input });

describe('a turn begins', () => {
  it('with tools while the budgets last', () => {
    const { loop, limitedBy } = beginTurn(newTurnLoop(), context);
    assert.deepEqual([loop.mode, loop.finalCalls, loop.notes, limitedBy], ['tools', 0, [], undefined]);
  });

  it('as the final call, told why, when a budget is nearly spent', () => {
    const { loop, limitedBy } = beginTurn(newTurnLoop(), { ...context, use: { ...NO_USE, toolCalls: 3 } });
    assert.deepEqual([loop.mode, loop.finalCalls, loop.notes], ['final', 1, [FINAL_ANSWER_NOTE]]);
    assert.match(limitedBy ?? '', /tool budget spent \(3 of 3 calls\)/);
  });

  it('as the final call when the alert resolved, telling the model once', () => {
    const at = Date.parse('2026-12-04T10:00:00Z');
    const first = beginTurn(newTurnLoop(), { ...context, resolvedAt: at });
    assert.equal(first.loop.mode, 'final');
    assert.equal(first.limitedBy, 'the alert resolved during the investigation');
    assert.match(first.loop.notes[0], /resolved at 2026-12-04T10:00:00\.000Z while you were investigating\. Finish now/);
    const again = beginTurn({ ...first.loop, notes: [] }, { ...context, resolvedAt: at });
    assert.deepEqual([again.loop.notes, again.loop.finalCalls], [[], 2]);
  });

  it('with tools still, and a note, when llm.continueOnResolve says go on', () => {
    const { loop, limitedBy } = beginTurn(newTurnLoop(), { ...context, continueOnResolve: true, resolvedAt: 0 });
    assert.deepEqual([loop.mode, limitedBy, loop.resolvedNoted], ['tools', undefined, true]);
    assert.match(loop.notes[0], /^Note: the alert resolved at 1970/);
  });
});

describe('after a model turn', () => {
  it('finishes with the answer, keeping why the investigation was cut short', () => {
    const done = afterTurn(newTurnLoop(), { stopReason: 'end_turn', toolCalls: [] }, { use: NO_USE, budgets, limitedBy: 'time budget nearly spent' });
    assert.deepEqual(done, { kind: 'finish', ending: { status: 'completed', report: { from: 'answer' }, limitedBy: 'time budget nearly spent' } });
  });

  it('continues a paused turn with the transcript as it is, and clears what the last call was told', () => {
    const next = afterTurn({ ...newTurnLoop(), notes: ['x'], refused: [{ id: 'a', reason: 'r' }] }, { stopReason: 'pause_turn', toolCalls: [] }, { use: NO_USE, budgets });
    assert.equal(next.kind, 'call-again');
    assert.deepEqual(next.kind === 'call-again' && [next.loop.continuation, next.loop.notes, next.loop.refused], [true, [], []]);
  });

  it('asks for the final answer when cut off, answering tool calls made anyway without running them', () => {
    const next = afterTurn(newTurnLoop(), { stopReason: 'max_tokens', toolCalls: [call('t1')] }, { use: NO_USE, budgets });
    assert.equal(next.kind, 'call-again');
    if (next.kind !== 'call-again') return;
    assert.equal(next.loop.mode, 'final');
    assert.match(next.loop.notes[0], /cut off at the output limit/);
    assert.deepEqual(next.loop.refused, [{ id: 't1', reason: 'not run: no more tool calls; give your final answer' }]);
  });

  it('ends from what is known when a final call still asks for tools', () => {
    const next = afterTurn({ ...newTurnLoop(), mode: 'final', finalCalls: 2 }, { stopReason: 'tool_use', toolCalls: [call('t1')] }, { use: NO_USE, budgets });
    assert.equal(next.kind, 'finish');
    assert.deepEqual(next.kind === 'finish' && next.ending.report, { from: 'known', limitedBy: 'the model kept asking for tools after its budget was spent' });
  });

  it('runs what fits of a batch, remembers it, and refuses repeats (which use the budget) and the rest', () => {
    const use = addUsage({ ...NO_USE, toolCalls: 0 }, { input: 10, cacheCreation: 0, cacheRead: 0, output: 10 });
    const first = afterTurn(newTurnLoop(), { stopReason: 'tool_use', toolCalls: [call('a', 'q', { x: 1 }), call('b', 'q', { x: 1 }), call('c', 'r'), call('d', 's')] }, { use, budgets });
    assert.equal(first.kind, 'run-tools');
    if (first.kind !== 'run-tools') return;
    assert.deepEqual(
      first.batch.run.map((item) => item.id),
      ['a', 'c'],
    );
    assert.deepEqual(
      first.batch.refused.map((item) => item.id),
      ['b', 'd'],
    );
    assert.equal(first.batch.repeats, 1);
    assert.deepEqual(Object.values(first.loop.seen), ['a', 'c']);
    const later = afterTurn(first.loop, { stopReason: 'tool_use', toolCalls: [call('e', 'q', { x: 1 })] }, { use: NO_USE, budgets });
    assert.match(later.kind === 'run-tools' ? later.batch.refused[0].reason : '', /identical to an earlier call \(a\)/);
  });
});

describe('the report tool', () => {
  it('a submit_report call ends the investigation with the answer, in either mode, whatever else the turn asks for', () => {
    const submit = call('r', 'submit_report', { summary: 's' });
    for (const mode of ['tools', 'final'] as const) {
      const next = afterTurn({ ...newTurnLoop(), mode }, { stopReason: 'tool_use', toolCalls: [call('a', 'query_logs', { query: 'x' }), submit] }, { use: NO_USE, budgets });
      assert.deepEqual(next, { kind: 'finish', ending: { status: 'completed', report: { from: 'answer' }, limitedBy: undefined } });
    }
  });
});

describe('a model that repeats itself', () => {
  it('after MAX_REPEAT_TURNS turns of nothing but repeats, the next turn asks for the report without tools', () => {
    const big: Budgets = { ...budgets, maxToolCalls: 50 };
    let loop = newTurnLoop();
    const first = afterTurn(loop, { stopReason: 'tool_use', toolCalls: [call('t0', 'query_logs', { query: 'x' })] }, { use: NO_USE, budgets: big });
    assert.ok(first.kind === 'run-tools');
    loop = first.loop;
    for (let turn = 1; turn <= MAX_REPEAT_TURNS; turn += 1) {
      assert.equal(beginTurn(loop, { ...context, budgets: big }).loop.mode, 'tools', `turn ${turn} still has tools`);
      const again = afterTurn(loop, { stopReason: 'tool_use', toolCalls: [call(`t${turn}`, 'query_logs', { query: 'x' })] }, { use: NO_USE, budgets: big });
      assert.ok(again.kind === 'run-tools');
      assert.deepEqual([again.batch.run.length, again.batch.repeats], [0, 1]);
      loop = again.loop;
    }
    const last = beginTurn(loop, { ...context, budgets: big });
    assert.deepEqual([last.loop.mode, last.loop.notes], ['final', [REPEATS_NOTE]]);
    assert.equal(last.limitedBy, `the model asked again for results it already had (${MAX_REPEAT_TURNS} turns in a row)`);
  });

  it('a turn with one new call among repeats starts the count again', () => {
    const seen = { [callKey({ name: 'query_logs', input: { query: 'x' } })]: 't0' };
    const loop = { ...newTurnLoop(), seen, repeatTurns: 1 };
    const mixed = afterTurn(loop, { stopReason: 'tool_use', toolCalls: [call('t1', 'query_logs', { query: 'x' }), call('t2', 'query_logs', { query: 'y' })] }, { use: NO_USE, budgets });
    assert.ok(mixed.kind === 'run-tools');
    assert.deepEqual([mixed.batch.run.map((item) => item.id), mixed.batch.repeats, mixed.loop.repeatTurns], [['t2'], 1, 0]);
  });
});

describe('after a tool batch', () => {
  it('answers refusals and failures as errors next turn, and shows outcomes, failures and refusals in that order', () => {
    const calls = [call('a'), call('b', 'query_logs'), call('c', 'past_triages')];
    const batch = { run: [calls[0], calls[1]], refused: [{ id: 'c', reason: 'refused: the tool budget is spent' }], repeats: 0 };
    const failure = failedCall(calls[1], 'EISDIR: illegal operation on a directory');
    const { loop, lines } = afterTools(newTurnLoop(), calls, batch, [{ outcome: { id: 'a', name: 'get_runbook', status: 'ok', summary: 'runbook' } }, { failed: failure }]);
    assert.deepEqual(
      loop.refused.map((item) => item.id),
      ['c', 'b'],
    );
    assert.equal(failure.reason, 'the tool failed: EISDIR: illegal operation on a directory');
    assert.deepEqual(
      lines.map((line) => `${line.id}:${line.name}:${line.status}`),
      ['a:get_runbook:ok', 'b:query_logs:error', 'c:past_triages:refused'],
    );
  });

  it('keeps the latest lines only, each with its four fields', () => {
    const many = Array.from({ length: 25 }, (_, index) => ({ id: `t${index}`, name: 'q', status: 'ok' as const, summary: '', truncated: false }));
    const lines = withLines([], many);
    assert.equal(lines.length, MAX_PROGRESS_TOOLS);
    assert.equal(lines[0].id, 't5');
    assert.deepEqual(Object.keys(lines[0]), ['id', 'name', 'status', 'summary']);
  });
});

describe('what the Temporal UI and the retry policy get', () => {
  it('a tool call reads as its name and the start of its input', () => {
    assert.equal(toolSummary(call('a', 'query_logs', { query: '{service="shop"}\n |= "error"' })), 'query_logs {"query":"{service=\\"shop\\"}\\n |= \\"error\\""}');
    assert.equal(toolSummary(call('a', 'q', { text: 'x'.repeat(500) })).length, 120);
  });

  it("a model call's retries end with the time budget, plus one request's time", () => {
    assert.equal(modelCallBoundMs(600_000, 100_000, 60_000), 565_000);
    assert.equal(modelCallBoundMs(1_000, 5_000, 1_000), 6_000);
  });
});
