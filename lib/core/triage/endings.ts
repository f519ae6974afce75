// How a triage's investigation ends and what its report is written from. Pure:
// the workflow says what happened (the gate's verdict, a cancel, an activity that
// failed) and these say which status, report and reason follow.
import type { GateDecision, TriageStatus } from './types';

/** What the report is written from: the model's answer, what is known so far (partial, with why), the offline investigator's results, or nothing. */
export type ReportSource = { from: 'answer' } | { from: 'known'; limitedBy: string } | { from: 'offline' } | { from: 'none' };

export interface Ending {
  status: TriageStatus;
  report: ReportSource;
  /** Why the investigation ended early, when it did. */
  limitedBy?: string;
}

/** The activity type of a model turn: its failures read as "the model API". */
export const MODEL_TURN = 'triageModelTurn';

export const skippedEnding = (gate: GateDecision): Ending => ({ status: 'skipped', report: { from: 'none' }, limitedBy: gate.reason });

export const OFFLINE_ENDING: Ending = { status: 'completed', report: { from: 'offline' } };

export function cancelledEnding(cancelled: { by?: string; reason?: string }): Ending {
  return { status: 'cancelled', report: { from: 'none' }, limitedBy: `cancelled${cancelled.by ? ` by ${cancelled.by}` : ''}${cancelled.reason ? `: ${cancelled.reason}` : ''}` };
}

/** An activity that failed past its retries, as the workflow saw it. */
export interface ActivityFailed {
  activityType: string;
  /** Its retries ended at a timeout (for a model turn: the time budget's scheduleToClose). */
  timedOut: boolean;
  /** What the activity itself threw (an ApplicationFailure), when that is the cause. */
  thrown?: { type?: string; message: string };
  /** The cause's message, whatever the cause. */
  message?: string;
}

/**
 * How an investigation that an activity's failure cut short ends: failed, with a
 * report of what the tools found. Undefined for a failure this does not know (the
 * workflow fails with it).
 */
export function failedEnding(failure: ActivityFailed): Ending | undefined {
  let reason: string;
  if (failure.activityType === MODEL_TURN && failure.timedOut) reason = `the time budget ran out while the model API did not answer (last: ${failure.message ?? 'no answer'})`;
  // A rejected request (400, 401, …) or retries exhausted.
  else if (failure.thrown) reason = `${failure.activityType === MODEL_TURN ? 'the model API' : failure.activityType} failed: ${failure.thrown.message}`;
  else return undefined;
  return { status: 'failed', report: { from: 'known', limitedBy: reason }, limitedBy: reason };
}

/**
 * The gate's verdict when its model cannot answer: the rules passed, so the gate
 * errs on the side of investigating. `failed`: what the gate model's call failed
 * with; undefined when there is no model to ask.
 */
export function gateWithoutModel(failed?: string): GateDecision {
  return { investigate: true, reason: failed === undefined ? 'rules passed; no model for the gate' : `rules passed; the gate model failed (${failed}), investigating` };
}
