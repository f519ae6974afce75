// What the workflow does after each model turn, by stop reason. Pure: the
// workflow calls it with what the LLM activity returned.
import type { StopReason } from './types';

export type CallMode = 'tools' | 'final';

export type NextStep =
  /** The model's answer is final. */
  | { kind: 'finish'; status: 'completed' | 'refused'; partial?: boolean; limitedBy?: string }
  /** Run the tool calls (within the budget), then call again. */
  | { kind: 'run-tools' }
  /** Call again with the transcript as it is (pause_turn: the model continues its turn). */
  | { kind: 'continue' }
  /** Call again, asking for the final answer without tools; `note` says why. */
  | { kind: 'ask-final'; note: string };

export interface StopContext {
  mode: CallMode;
  /** How many calls in final mode have already been made, this one included. */
  finalCalls: number;
  hasToolCalls: boolean;
  /** The answer calls submit_report: the investigation ends with that report, whatever else it asks for. */
  submitted?: boolean;
}

/** A final call that still does not end gets one more chance; after that the report is written from what is known. */
export const MAX_FINAL_CALLS = 2;

export function nextStep(stopReason: StopReason | null, context: StopContext): NextStep {
  const lastChance = context.mode === 'final' && context.finalCalls >= MAX_FINAL_CALLS;
  if (context.submitted && stopReason !== 'refusal') return { kind: 'finish', status: 'completed' };
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
      // A turn that ends while asking for tools in final mode still ends here: its text is the answer.
      if (context.hasToolCalls && context.mode === 'tools') return { kind: 'run-tools' };
      return { kind: 'finish', status: 'completed' };
    case 'tool_use':
      if (context.mode === 'tools') return { kind: 'run-tools' };
      if (lastChance) return { kind: 'finish', status: 'completed', partial: true, limitedBy: 'the model kept asking for tools after its budget was spent' };
      return { kind: 'ask-final', note: 'No more tool calls are possible. Call submit_report now with what you already know.' };
    case 'pause_turn':
      return { kind: 'continue' };
    case 'max_tokens':
      if (lastChance) return { kind: 'finish', status: 'completed', partial: true, limitedBy: 'the output limit cut the final answer' };
      return { kind: 'ask-final', note: 'Your previous answer was cut off at the output limit. Call submit_report now, concisely.' };
    case 'refusal':
      return { kind: 'finish', status: 'refused', limitedBy: 'the model declined to continue this investigation' };
    case 'model_context_window_exceeded':
      return { kind: 'finish', status: 'completed', partial: true, limitedBy: "the conversation outgrew the model's context window" };
    default:
      // null or a stop reason this code does not know: end with what is known rather than loop.
      return { kind: 'finish', status: 'completed', partial: true, limitedBy: `unexpected stop reason ${String(stopReason)}` };
  }
}
