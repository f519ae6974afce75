// The investigation's turns as pure steps. Before a model call: whether it must be
// the final one (a budget nearly spent, the alert resolved) and what its message
// notes. After it: finish, call again, or run a batch of tools within the budget.
// After the tools: what the next call answers with, and the progress lines. The
// workflow keeps a TurnLoop between calls and does the I/O.
import { callKey, finalCallNeeded, fitToolBatch, type BudgetUse, type Budgets, type Refusal, type ToolBatch } from './budget';
import type { Ending } from './endings';
import { FINAL_ANSWER_NOTE, REPEATS_NOTE } from './prompt';
import { isReportCall } from './report-tool';
import { nextStep, type CallMode } from './stop';
import type { StopReason, ToolCall } from './types';

export interface TurnLoop {
  mode: CallMode;
  /** Calls made in final mode, the coming one included once begun. */
  finalCalls: number;
  /** Text for the coming call's user message (the final-answer request, "the alert resolved"). */
  notes: string[];
  /** Tool calls of the last turn answered with an error instead of their result, with why. */
  refused: Refusal[];
  /** pause_turn: the coming call sends the transcript as it is. */
  continuation: boolean;
  /** The alert's resolve has been told (once). */
  resolvedNoted: boolean;
  /** Every call run so far, by callKey: an identical repeat is refused. */
  seen: Record<string, string>;
  /** Turns in a row whose tool calls were all refused repeats. */
  repeatTurns: number;
}

export const newTurnLoop = (): TurnLoop => ({ mode: 'tools', finalCalls: 0, notes: [], refused: [], continuation: false, resolvedNoted: false, seen: {}, repeatTurns: 0 });

/** After this many turns in a row of nothing but repeats, the next turn asks for the report without tools. */
export const MAX_REPEAT_TURNS = 2;

export interface TurnContext {
  resolvedAt?: number;
  continueOnResolve: boolean;
  budgets: Budgets;
  use: BudgetUse;
  elapsedMs: number;
  maxTokensPerTurn: number;
}

/** Before a model call: the loop for it, and why the investigation is cut short when this turn decides it. */
export function beginTurn(loop: TurnLoop, context: TurnContext): { loop: TurnLoop; limitedBy?: string } {
  let { mode, resolvedNoted } = loop;
  const notes = [...loop.notes];
  let limitedBy: string | undefined;
  if (context.resolvedAt !== undefined && !resolvedNoted) {
    resolvedNoted = true;
    const note = `Note: the alert resolved at ${new Date(context.resolvedAt).toISOString()} while you were investigating.`;
    if (context.continueOnResolve) notes.push(note);
    else if (mode === 'tools') {
      mode = 'final';
      limitedBy = 'the alert resolved during the investigation';
      notes.push(`${note} Finish now: call submit_report with a short summary of what you found.`);
    }
  }
  if (loop.repeatTurns >= MAX_REPEAT_TURNS && mode === 'tools') {
    mode = 'final';
    limitedBy = `the model asked again for results it already had (${loop.repeatTurns} turns in a row)`;
    notes.push(REPEATS_NOTE);
  }
  const need = finalCallNeeded(context.budgets, context.use, context.elapsedMs, context.maxTokensPerTurn);
  if (need.final && mode === 'tools') {
    mode = 'final';
    limitedBy = need.reason;
    notes.push(FINAL_ANSWER_NOTE);
  }
  return { loop: { ...loop, mode, notes, resolvedNoted, finalCalls: loop.finalCalls + (mode === 'final' ? 1 : 0) }, limitedBy };
}

export type TurnOutcome = { kind: 'finish'; ending: Ending } | { kind: 'call-again'; loop: TurnLoop } | { kind: 'run-tools'; loop: TurnLoop; batch: ToolBatch };

/** After a model call: what its stop reason and tool calls lead to. `limitedBy`: why the investigation was cut short so far, if it was. */
export function afterTurn(loop: TurnLoop, answer: { stopReason: StopReason | null; toolCalls: ToolCall[] }, context: { use: BudgetUse; budgets: Budgets; limitedBy?: string }): TurnOutcome {
  const next: TurnLoop = { ...loop, notes: [], refused: [], continuation: false };
  const step = nextStep(answer.stopReason, { mode: loop.mode, finalCalls: loop.finalCalls, hasToolCalls: answer.toolCalls.length > 0, submitted: answer.toolCalls.some(isReportCall) });
  switch (step.kind) {
    case 'finish':
      return {
        kind: 'finish',
        ending: { status: step.status, report: step.partial ? { from: 'known', limitedBy: step.limitedBy ?? 'ended early' } : { from: 'answer' }, limitedBy: step.limitedBy ?? context.limitedBy },
      };
    case 'continue':
      return { kind: 'call-again', loop: { ...next, continuation: true } };
    case 'ask-final':
      // Tool calls made anyway are answered, as the API requires, but not run.
      return {
        kind: 'call-again',
        loop: { ...next, mode: 'final', notes: [step.note], refused: answer.toolCalls.map((call) => ({ id: call.id, reason: 'not run: no more tool calls; give your final answer' })) },
      };
    case 'run-tools': {
      const batch = fitToolBatch(answer.toolCalls, context.use, context.budgets, loop.seen);
      const repeatTurns = batch.run.length === 0 && batch.repeats > 0 ? loop.repeatTurns + 1 : 0;
      return { kind: 'run-tools', loop: { ...next, repeatTurns, seen: { ...loop.seen, ...Object.fromEntries(batch.run.map((call) => [callKey(call), call.id])) } }, batch };
    }
  }
}

/** A tool call as the progress query shows it. */
export interface ToolLine {
  id: string;
  name: string;
  status: 'ok' | 'error' | 'refused';
  summary: string;
}

/** What a tool call of a batch came to: its outcome, or why it failed after its retries. */
export type ToolRun = { outcome: ToolLine & { status: 'ok' | 'error' } } | { failed: Refusal };

/** A tool call that failed after its retries: an error result for the model, not the triage's end. */
export const failedCall = (call: Pick<ToolCall, 'id'>, message: string): Refusal => ({ id: call.id, reason: `the tool failed: ${message}`.slice(0, 1000) });

/** After a batch ran: the loop for the next call (refusals and failures are answered as errors) and the progress lines, outcomes first. */
export function afterTools(loop: TurnLoop, calls: ToolCall[], batch: ToolBatch, ran: ToolRun[]): { loop: TurnLoop; lines: ToolLine[] } {
  const names: Record<string, string> = Object.fromEntries(calls.map((call) => [call.id, call.name]));
  const failed = ran.flatMap((run) => ('failed' in run ? [run.failed] : []));
  const line = (refusal: Refusal, status: 'error' | 'refused'): ToolLine => ({ id: refusal.id, name: names[refusal.id] ?? '?', status, summary: refusal.reason.slice(0, 300) });
  const lines = [...ran.flatMap((run) => ('outcome' in run ? [run.outcome] : [])), ...failed.map((failure) => line(failure, 'error')), ...batch.refused.map((refusal) => line(refusal, 'refused'))];
  return { loop: { ...loop, refused: [...batch.refused, ...failed] }, lines };
}

/** The progress query shows the latest tool calls only. */
export const MAX_PROGRESS_TOOLS = 20;

/** The progress list with `lines` added, bounded (each line its four fields only). */
export function withLines(tools: ToolLine[], lines: ToolLine[]): ToolLine[] {
  return [...tools, ...lines.map(({ id, name, status, summary }) => ({ id, name, status, summary }))].slice(-MAX_PROGRESS_TOOLS);
}

/** A tool call in the Temporal UI: its name and (the start of) its input. */
export const toolSummary = (call: Pick<ToolCall, 'name' | 'input'>) => `${call.name} ${JSON.stringify(call.input)}`.replace(/\s+/g, ' ').slice(0, 120);

/** How long a model call may take with its retries (429s, an outage): until the time budget ends, plus one request's time. */
export const modelCallBoundMs = (wallClockMs: number, elapsedMs: number, requestTimeoutMs: number) => Math.max(0, wallClockMs - elapsedMs) + requestTimeoutMs + 5_000;
