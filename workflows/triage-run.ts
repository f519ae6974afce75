// What every step of a triage shares: its input, its state (one plain object that
// the message handlers and steps change and the progress query shows), and the one
// place where an activity's failure becomes a value instead of the triage's end.
import { ActivityFailure, ApplicationFailure, isCancellation, TemporalFailure, TimeoutFailure } from '@temporalio/workflow';
import { NO_USE, type BudgetUse } from '../lib/core/triage/budget';
import type { ActivityFailed } from '../lib/core/triage/endings';
import type { TriageSettings } from '../lib/core/triage/settings';
import type { TriageAlert, TriageStatus } from '../lib/core/triage/types';
import type { TriageDecision, TriageProgress } from './messages';

export interface TriageInput {
  alert: TriageAlert;
  question?: string;
  source: 'alertmanager' | 'manual' | 'vigil';
  settings: TriageSettings;
}

export interface TriageResult {
  triageId: string;
  status: TriageStatus;
  summary?: string;
}

export interface TriageState {
  status: TriageStatus;
  phase: TriageProgress['phase'];
  /** The model turn under way (0 before the first). */
  turn: number;
  use: BudgetUse;
  limitedBy?: string;
  resolvedAt?: number;
  cancelled?: TriageProgress['cancelled'];
  proposal?: TriageProgress['proposal'];
  decision?: TriageDecision;
  tools: TriageProgress['tools'];
  /** An approval is being carried out: a cancel lets it finish. */
  deciding: boolean;
  /** Waiting after the report for the alert to resolve, to follow up. */
  following: boolean;
}

export const newTriageState = (): TriageState => ({ status: 'running', phase: 'gate', turn: 0, use: NO_USE, tools: [], deciding: false, following: false });

/** One triage: what it was started with and where it is. */
export interface TriageRun {
  triageId: string;
  workflowId: string;
  input: TriageInput;
  startedAt: number;
  state: TriageState;
}

export function progressOf({ triageId, input, state }: TriageRun): TriageProgress {
  const { status, phase, turn, use, limitedBy, resolvedAt, cancelled, proposal, decision, tools } = state;
  return { triageId, status, phase, turn, budget: use, budgets: input.settings.budgets, limitedBy, resolvedAt, cancelled, proposal, decision, tools };
}

/**
 * Awaits an activity. One that failed past its retries comes back as a value with
 * its message (the cause's: what the activity said), for the caller to turn into a
 * tool error, a warning or an update's rejection; a cancellation or anything that
 * is no Temporal failure is thrown on. A local activity's failure arrives as itself,
 * an activity task's inside an ActivityFailure.
 */
export async function settled<T>(work: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; failure: TemporalFailure; message: string }> {
  try {
    return { ok: true, value: await work };
  } catch (error) {
    if (isCancellation(error) || !(error instanceof TemporalFailure)) throw error;
    return { ok: false, failure: error, message: (error instanceof ActivityFailure ? error.cause?.message : undefined) ?? error.message };
  }
}

/** An activity's failure as the core's decisions read it; undefined for anything else. */
export function activityFailed(error: unknown): ActivityFailed | undefined {
  if (!(error instanceof ActivityFailure)) return undefined;
  const { cause } = error;
  return {
    activityType: error.activityType,
    timedOut: error.retryState === 'TIMEOUT' || cause instanceof TimeoutFailure,
    thrown: cause instanceof ApplicationFailure ? { type: cause.type ?? undefined, message: cause.message } : undefined,
    message: cause?.message,
  };
}
