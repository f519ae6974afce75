// How `vigil triage show` writes a triage's budget: a running triage's stored
// budget is empty until it finishes, which once printed "undefined turns … NaN input".
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { budgetLine } from '../../cli/commands/triage';

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
