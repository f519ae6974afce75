// Budget accounting for one triage, pure so that the workflow and tests share it.
// Input tokens count input + cache creation + cache read (all are billed). The
// investigation never stops with a placeholder: when a budget is nearly spent the
// next model call is asked for its final answer without tools.
import type { TokenUsage, ToolCall } from './types';

export interface Budgets {
  maxToolCalls: number;
  maxInputTokens: number;
  maxOutputTokens: number;
  wallClockMs: number;
}

export interface BudgetUse {
  turns: number;
  toolCalls: number;
  inputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
  /** Billed input of the last turn: the next turn sends at least as much again. */
  lastTurnInput: number;
}

export const NO_USE: BudgetUse = { turns: 0, toolCalls: 0, inputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, outputTokens: 0, lastTurnInput: 0 };

export function billedInput(usage: TokenUsage): number {
  return usage.input + usage.cacheCreation + usage.cacheRead;
}

export function inputSpent(use: BudgetUse): number {
  return use.inputTokens + use.cacheCreationTokens + use.cacheReadTokens;
}

export function addUsage(use: BudgetUse, usage: TokenUsage): BudgetUse {
  return {
    ...use,
    turns: use.turns + 1,
    inputTokens: use.inputTokens + usage.input,
    cacheCreationTokens: use.cacheCreationTokens + usage.cacheCreation,
    cacheReadTokens: use.cacheReadTokens + usage.cacheRead,
    outputTokens: use.outputTokens + usage.output,
    lastTurnInput: billedInput(usage),
  };
}

export interface FinalCall {
  /** True: the next call must ask for the final answer, without tools. */
  final: boolean;
  reason?: string;
}

/**
 * Whether the next call must be the last one. The next turn is expected to send
 * the last turn's input again plus what was added since (estimated at half of it,
 * at least `growth` tokens), and to write up to `maxTokensPerTurn`; when either
 * would not fit, or no tool call is left, or less than a tenth of the wall clock
 * (at most a minute) is left, the next call is the final one.
 */
export function finalCallNeeded(budgets: Budgets, use: BudgetUse, elapsedMs: number, maxTokensPerTurn: number, growth = 2000): FinalCall {
  const nextInput = use.lastTurnInput + Math.max(growth, Math.round(use.lastTurnInput / 2));
  // Two more calls must fit: this one, with tools, and the final answer after it.
  if (inputSpent(use) + 2 * nextInput > budgets.maxInputTokens) return { final: true, reason: `input token budget nearly spent (${inputSpent(use)} of ${budgets.maxInputTokens})` };
  if (use.outputTokens + 2 * maxTokensPerTurn > budgets.maxOutputTokens) return { final: true, reason: `output token budget nearly spent (${use.outputTokens} of ${budgets.maxOutputTokens})` };
  if (use.toolCalls >= budgets.maxToolCalls) return { final: true, reason: `tool budget spent (${use.toolCalls} of ${budgets.maxToolCalls} calls)` };
  const reserve = Math.min(60_000, budgets.wallClockMs / 10);
  if (elapsedMs >= budgets.wallClockMs - reserve) return { final: true, reason: `time budget nearly spent (${Math.round(elapsedMs / 1000)} s of ${Math.round(budgets.wallClockMs / 1000)} s)` };
  return { final: false };
}

/** max_tokens for the next call: the per-turn limit, within what is left of the output budget (never below 256: a final answer needs room). */
export function maxTokensForNextCall(budgets: Budgets, use: BudgetUse, maxTokensPerTurn: number): number {
  return Math.max(256, Math.min(maxTokensPerTurn, budgets.maxOutputTokens - use.outputTokens));
}

export interface Refusal {
  id: string;
  reason: string;
}

export interface ToolBatch {
  run: ToolCall[];
  refused: Refusal[];
  /** Identical repeats among the refused: each one uses the tool budget like a call that ran. */
  repeats: number;
}

/** Same tool, same input (keys in any order): the key an identical repeat shares. */
export function callKey(call: Pick<ToolCall, 'name' | 'input'>): string {
  return `${call.name}:${canonicalJson(call.input)}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as Record<string, unknown>)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Splits a batch of tool calls into those that run and those answered with an
 * error instead: an identical repeat of an earlier call (or of one earlier in
 * the batch) is refused, and of the rest only as many as the tool budget still
 * allows run, in the model's order. Nothing overshoots the budget. A refused
 * repeat uses the budget too: a model that asks for the same thing forever
 * spends it like one that asks for new things.
 */
export function fitToolBatch(calls: ToolCall[], use: BudgetUse, budgets: Budgets, earlier: Record<string, string>): ToolBatch {
  const run: ToolCall[] = [];
  const refused: Refusal[] = [];
  const seen: Record<string, string> = { ...earlier };
  let left = Math.max(0, budgets.maxToolCalls - use.toolCalls);
  let repeats = 0;
  for (const call of calls) {
    const key = callKey(call);
    const previous = seen[key];
    if (previous !== undefined) {
      refused.push({ id: call.id, reason: `refused: identical to an earlier call (${previous}); its result is already in this conversation` });
      repeats += 1;
      left -= 1;
      continue;
    }
    if (left <= 0) {
      refused.push({ id: call.id, reason: `refused: the tool budget is spent (${budgets.maxToolCalls} calls); answer with what you already have` });
      continue;
    }
    seen[key] = call.id;
    left -= 1;
    run.push(call);
  }
  return { run, refused, repeats };
}
