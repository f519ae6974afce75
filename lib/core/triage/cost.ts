// What a triage's model turns cost: requests, tokens by kind and US dollars
// from a price table (llm.prices). Pure: the API computes it from the stored
// transcript, an evaluation from the same rows.
import type { TokenUsage } from './types';

/** US dollars per million tokens of each kind Anthropic bills. */
export interface ModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
  /** Cache writes with the default (5-minute) lifetime, the only one Vigil asks for. */
  cacheWritePerMTok: number;
  cacheReadPerMTok: number;
}

export type PriceTable = Record<string, ModelPrice>;

const SONNET: ModelPrice = { inputPerMTok: 3, outputPerMTok: 15, cacheWritePerMTok: 3.75, cacheReadPerMTok: 0.3 };
const HAIKU: ModelPrice = { inputPerMTok: 1, outputPerMTok: 5, cacheWritePerMTok: 1.25, cacheReadPerMTok: 0.1 };
const OPUS: ModelPrice = { inputPerMTok: 5, outputPerMTok: 25, cacheWritePerMTok: 6.25, cacheReadPerMTok: 0.5 };

/**
 * The defaults of llm.prices: Anthropic's list prices of the Sonnet, Haiku
 * (4.5) and Opus (4.5) tiers as last checked by hand, for the models the
 * defaults name and a few more. Operators check them and override what differs.
 */
export const DEFAULT_MODEL_PRICES: PriceTable = {
  'claude-sonnet-5-5': SONNET,
  'claude-haiku-5-5': HAIKU,
  'claude-sonnet-4-5': SONNET,
  'claude-haiku-4-5': HAIKU,
  'claude-opus-4-5': OPUS,
};

/** A model turn as stored (triage_messages): user rows carry neither model nor usage. */
export interface PricedTurn {
  model?: string | null;
  usage?: TokenUsage | null;
}

export interface TriageCost {
  /** Model requests: stored turns with usage (the gate's and the investigation's). */
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  /** Of the priced turns only, rounded to a billionth of a dollar. */
  dollars: number;
  /** Models that turns used but the table has no price for, each once. */
  unpriced: string[];
}

/** A turn whose model is not recorded. */
export const UNKNOWN_MODEL = 'unknown';

/** The price of `model`: its own entry, else that of the name it is a dated snapshot of (claude-x-4-5-20250929 → claude-x-4-5). */
export function priceOf(model: string, prices: PriceTable): ModelPrice | undefined {
  if (Object.hasOwn(prices, model)) return prices[model];
  const snapshot = /^(.+)-\d{8}$/.exec(model);
  return snapshot && Object.hasOwn(prices, snapshot[1]) ? prices[snapshot[1]] : undefined;
}

export function triageCost(turns: PricedTurn[], prices: PriceTable): TriageCost {
  const cost: TriageCost = { requests: 0, inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0, dollars: 0, unpriced: [] };
  let microDollars = 0;
  for (const { model, usage } of turns) {
    if (!usage) continue;
    cost.requests += 1;
    cost.inputTokens += usage.input;
    cost.outputTokens += usage.output;
    cost.cacheWriteTokens += usage.cacheCreation;
    cost.cacheReadTokens += usage.cacheRead;
    const name = model || UNKNOWN_MODEL;
    const price = priceOf(name, prices);
    if (!price) {
      if (!cost.unpriced.includes(name)) cost.unpriced.push(name);
      continue;
    }
    // Tokens × dollars per million tokens = millionths of a dollar.
    microDollars += usage.input * price.inputPerMTok + usage.output * price.outputPerMTok + usage.cacheCreation * price.cacheWritePerMTok + usage.cacheRead * price.cacheReadPerMTok;
  }
  cost.dollars = Math.round(microDollars * 1000) / 1e9;
  return cost;
}
