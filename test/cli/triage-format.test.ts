// How `vigil triage show` writes a triage's budget (a running triage's stored
// budget is empty until it finishes, which once printed "undefined turns … NaN input")
// and its cost.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { budgetLine, costLine } from '../../cli/commands/triage';

describe('vigil triage show: the budget line', () => {
  it('sums billed input tokens of a finished triage', () => {
    const budget = { turns: 3, toolCalls: 4, inputTokens: 100, cacheCreationTokens: 20, cacheReadTokens: 5, outputTokens: 70, lastTurnInput: 40 };
    assert.equal(budgetLine(budget), '3 turns, 4 tool calls, 125 input and 70 output tokens');
  });

  it('shows a dash while the triage runs (its budget is stored as {}) and when there is none', () => {
    assert.equal(budgetLine({}), '-');
    assert.equal(budgetLine(null), '-');
    assert.equal(budgetLine(undefined), '-');
  });
});

describe('vigil triage show: the cost line', () => {
  const cost = { requests: 2, inputTokens: 2600, outputTokens: 720, cacheWriteTokens: 1200, cacheReadTokens: 10_000, dollars: 0.0249, unpriced: [] };

  it('shows requests, tokens by kind and dollars', () => {
    assert.equal(costLine(cost), '2 model requests, 2600 input, 1200 cache-write, 10000 cache-read and 720 output tokens, $0.0249');
    assert.equal(costLine({ ...cost, requests: 1, dollars: 0.01875 }), '1 model request, 2600 input, 1200 cache-write, 10000 cache-read and 720 output tokens, $0.01875');
    assert.equal(
      costLine({ ...cost, requests: 0, inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0, dollars: 0 }),
      '0 model requests, 0 input, 0 cache-write, 0 cache-read and 0 output tokens, $0',
    );
  });

  it('says which models have no price, and shows a dash from an API without cost', () => {
    assert.equal(costLine({ ...cost, unpriced: ['my-model'] }), '2 model requests, 2600 input, 1200 cache-write, 10000 cache-read and 720 output tokens, $0.0249, not counting my-model (no price)');
    assert.equal(costLine(undefined), '-');
  });
});
