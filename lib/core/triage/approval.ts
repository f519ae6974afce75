// A person's part after the report: approving or rejecting a proposed
// remediation within its window, cancelling, and the follow-up when the alert
// resolves later. Pure: the workflow's update validators and waits call these.

export interface DecisionState {
  phase: string;
  proposal?: unknown;
  decision?: { kind: string; by?: string };
  /** An approval is being carried out. */
  deciding: boolean;
  cancelled?: { by?: string; reason?: string };
}

/** Why an approve or reject is refused now; undefined when it may go ahead. A proposed remediation runs only when a person approves it, once. */
export function decisionRefused(state: DecisionState): string | undefined {
  if (state.decision) return `already ${state.decision.kind}${state.decision.by ? ` by ${state.decision.by}` : ''}`;
  if (!state.proposal || state.phase !== 'awaiting-approval') return state.proposal ? 'the report is not written yet' : 'this triage proposes no remediation';
  if (state.deciding) return 'a decision is being carried out';
  return undefined;
}

/** Cancel ends the waits after the report, except while an approval is being carried out (that finishes first). */
export const cancelEndsWaits = (state: Pick<DecisionState, 'cancelled' | 'deciding'>) => state.cancelled !== undefined && !state.deciding;

export interface ClosingDecision {
  kind: 'rejected' | 'expired';
  by?: string;
  at: number;
  reason?: string;
}

/**
 * What becomes of a proposal when the wait for a decision ends: nobody decided
 * within the window (`decidedInTime` false), it expired; cancelling the triage
 * declines it. Undefined when a person decided.
 */
export function closingDecision(decidedInTime: boolean, state: Pick<DecisionState, 'decision' | 'cancelled'>, at: number): ClosingDecision | undefined {
  if (!decidedInTime) return { kind: 'expired', at };
  if (state.decision === undefined && state.cancelled)
    return { kind: 'rejected', by: state.cancelled.by, at, reason: `the triage was cancelled${state.cancelled.reason ? `: ${state.cancelled.reason}` : ''}` };
  return undefined;
}

/** An Alertmanager triage whose report went out while the alert still fired waits (for a while) to say when it resolves. */
export function followsUp(source: string, resolvedBeforeReport: number | undefined, windowMs: number): boolean {
  return source === 'alertmanager' && resolvedBeforeReport === undefined && windowMs > 0;
}
