import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addUsage, callKey, finalCallNeeded, fitToolBatch, inputSpent, maxTokensForNextCall, NO_USE, type Budgets } from '../../lib/core/triage/budget';

const budgets: Budgets = { maxToolCalls: 15, maxInputTokens: 200_000, maxOutputTokens: 50_000, wallClockMs: 600_000 };
const call = (id: string, query: string) => ({ id, name: 'query_metrics', input: { query } });

describe('triage budget accounting', () => {
  it('counts input, cache creation and cache read tokens as billed input', () => {
    const use = addUsage(addUsage(NO_USE, { input: 100, cacheCreation: 2000, cacheRead: 0, output: 50 }), { input: 30, cacheCreation: 200, cacheRead: 2000, output: 70 });
    assert.equal(inputSpent(use), 4330);
    assert.equal(use.outputTokens, 120);
    assert.equal(use.turns, 2);
    assert.equal(use.lastTurnInput, 2230);
  });

  it('asks for the final answer when the next two calls would not fit in the input budget', () => {
    const fresh = finalCallNeeded(budgets, addUsage(NO_USE, { input: 5000, cacheCreation: 0, cacheRead: 0, output: 100 }), 0, 4096);
    assert.equal(fresh.final, false);
    const late = addUsage({ ...NO_USE, inputTokens: 150_000 }, { input: 20_000, cacheCreation: 0, cacheRead: 0, output: 100 });
    const decision = finalCallNeeded(budgets, late, 0, 4096);
    assert.equal(decision.final, true);
    assert.match(decision.reason!, /input token budget/);
  });

  it('asks for the final answer when output, tool calls or time are nearly spent', () => {
    assert.match(finalCallNeeded(budgets, { ...NO_USE, outputTokens: 45_000 }, 0, 4096).reason!, /output token budget/);
    assert.match(finalCallNeeded(budgets, { ...NO_USE, toolCalls: 15 }, 0, 4096).reason!, /tool budget spent/);
    assert.match(finalCallNeeded(budgets, NO_USE, 550_000, 4096).reason!, /time budget/);
    assert.equal(finalCallNeeded(budgets, { ...NO_USE, toolCalls: 14 }, 500_000, 4096).final, false);
  });

  it('caps max_tokens to what is left of the output budget, keeping room for an answer', () => {
    assert.equal(maxTokensForNextCall(budgets, NO_USE, 4096), 4096);
    assert.equal(maxTokensForNextCall(budgets, { ...NO_USE, outputTokens: 49_000 }, 4096), 1000);
    assert.equal(maxTokensForNextCall(budgets, { ...NO_USE, outputTokens: 50_000 }, 4096), 256);
  });
});

describe('tool batches at the budget edge', () => {
  it('runs only what fits in the tool budget and refuses the rest with a reason', () => {
    const batch = fitToolBatch([call('a', 'up'), call('b', 'rate(x[5m])'), call('c', 'y')], { ...NO_USE, toolCalls: 13 }, budgets, {});
    assert.deepEqual(
      batch.run.map((item) => item.id),
      ['a', 'b'],
    );
    assert.deepEqual(
      batch.refused.map((item) => item.id),
      ['c'],
    );
    assert.match(batch.refused[0].reason, /tool budget is spent/);
  });

  it('refuses an identical repeat of an earlier call or of one earlier in the batch, whatever the key order', () => {
    const earlier = { [callKey({ name: 'query_logs', input: { query: '{a="b"}', limit: 5 } })]: 'toolu_1' };
    const batch = fitToolBatch([{ id: 'x', name: 'query_logs', input: { limit: 5, query: '{a="b"}' } }, call('y', 'up'), call('z', 'up')], NO_USE, budgets, earlier);
    assert.deepEqual(
      batch.run.map((item) => item.id),
      ['y'],
    );
    assert.deepEqual(batch.refused, [
      { id: 'x', reason: 'refused: identical to an earlier call (toolu_1); its result is already in this conversation' },
      { id: 'z', reason: 'refused: identical to an earlier call (y); its result is already in this conversation' },
    ]);
  });

  it('a refused repeat uses the budget like a call that ran: a looping model spends it', () => {
    const batch = fitToolBatch([call('a', 'up'), call('b', 'up'), call('c', 'z')], { ...NO_USE, toolCalls: 13 }, budgets, {});
    assert.deepEqual(
      batch.run.map((item) => item.id),
      ['a'],
    );
    assert.deepEqual(
      batch.refused.map((item) => [item.id, item.reason.split(':')[0]]),
      [
        ['b', 'refused'],
        ['c', 'refused'],
      ],
    );
    assert.match(batch.refused[1].reason, /tool budget is spent/);
    assert.equal(batch.repeats, 1);
  });
});
