// triageCost: requests, tokens by kind and dollars of a triage's stored turns,
// with known answers; a model without a price; no turns.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_MODEL_PRICES, priceOf, triageCost, type PriceTable } from '../../lib/core/triage/cost';

const PRICES: PriceTable = {
  sonnet: { inputPerMTok: 3, outputPerMTok: 15, cacheWritePerMTok: 3.75, cacheReadPerMTok: 0.3 },
  haiku: { inputPerMTok: 1, outputPerMTok: 5, cacheWritePerMTok: 1.25, cacheReadPerMTok: 0.1 },
};
const usage = (input: number, cacheCreation: number, cacheRead: number, output: number) => ({ input, cacheCreation, cacheRead, output });

describe('triageCost', () => {
  it('adds up requests, tokens and dollars of the model turns; user rows count for nothing', () => {
    const cost = triageCost(
      [
        { model: 'haiku', usage: usage(500, 0, 0, 20) }, // the gate: 500 × $1 + 20 × $5 = 600 µ$
        { model: null, usage: null }, // a user row
        { model: 'sonnet', usage: usage(2000, 1000, 0, 400) }, // 6000 + 3750 + 6000 = 15750 µ$
        { model: null, usage: null },
        { model: 'sonnet', usage: usage(100, 200, 10_000, 300) }, // 300 + 750 + 3000 + 4500 = 8550 µ$
      ],
      PRICES,
    );
    assert.deepEqual(cost, { requests: 3, inputTokens: 2600, outputTokens: 720, cacheWriteTokens: 1200, cacheReadTokens: 10_000, dollars: 0.0249, unpriced: [] });
  });

  it('leaves a model without a price out of dollars, names it once, and still counts its tokens', () => {
    const cost = triageCost(
      [{ model: 'sonnet', usage: usage(1_000_000, 0, 0, 0) }, { model: 'mystery', usage: usage(10, 0, 0, 5) }, { model: 'mystery', usage: usage(10, 0, 0, 5) }, { usage: usage(1, 0, 0, 1) }],
      PRICES,
    );
    assert.deepEqual(cost, { requests: 4, inputTokens: 1_000_021, outputTokens: 11, cacheWriteTokens: 0, cacheReadTokens: 0, dollars: 3, unpriced: ['mystery', 'unknown'] });
  });

  it('is all zeros with no turns (an offline triage) and with only user rows', () => {
    const zero = { requests: 0, inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0, dollars: 0, unpriced: [] };
    assert.deepEqual(triageCost([], PRICES), zero);
    assert.deepEqual(triageCost([{ model: null, usage: null }], PRICES), zero);
  });

  it('keeps a billionth of a dollar: one cache-read token of the cheap model', () => {
    assert.equal(triageCost([{ model: 'haiku', usage: usage(0, 0, 1, 0) }], PRICES).dollars, 0.0000001);
  });

  it('prices a dated snapshot by its name, and nothing else by a prefix', () => {
    assert.deepEqual(priceOf('claude-sonnet-4-5-20250929', DEFAULT_MODEL_PRICES), DEFAULT_MODEL_PRICES['claude-sonnet-4-5']);
    assert.equal(priceOf('claude-sonnet-4-5-preview', DEFAULT_MODEL_PRICES), undefined);
    assert.equal(priceOf('claude-sonnet-4', DEFAULT_MODEL_PRICES), undefined);
    assert.equal(priceOf('toString', DEFAULT_MODEL_PRICES), undefined);
  });

  it('has default prices for the default models', () => {
    const cost = triageCost(
      [
        { model: 'claude-haiku-5-5', usage: usage(1_000_000, 0, 0, 0) },
        { model: 'claude-sonnet-5-5', usage: usage(0, 1_000_000, 1_000_000, 1_000_000) },
      ],
      DEFAULT_MODEL_PRICES,
    );
    assert.equal(cost.dollars, 1 + 3.75 + 0.3 + 15);
  });
});
