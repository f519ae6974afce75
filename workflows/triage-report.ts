// The triage's steps from the report on: write it and send it, then wait for a
// person to approve or reject what it proposes, and (for an Alertmanager alert
// still firing) for the alert to resolve, to follow up. And what the approve and
// reject updates do.
import { ApplicationFailure, condition, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { FAILURES } from '../lib/core/failures';
import type { HealthEvent } from '../lib/core/notify/types';
import { cancelEndsWaits, closingDecision, followsUp } from '../lib/core/triage/approval';
import { reportEvent, resolvedEvent, triageLinks } from '../lib/core/triage/announce';
import type { Ending } from '../lib/core/triage/endings';
import type { TriageReport } from '../lib/core/triage/types';
import { SEARCH_ATTRIBUTES, type RemediationView, type TriageDecision } from './messages';
import { triageStorage } from './proxies';
import { notifyBestEffort } from './notify';
import { settled, type TriageRun } from './triage-run';

export interface Reported {
  report: TriageReport | null;
  /** The report to follow up on when the alert resolves, if the triage waits for that. */
  followUp?: TriageReport;
}

/** Writes the report (from the model's answer, what is known, or the offline results) and the final status, and sends it. */
export async function writeReport(run: TriageRun, ending: Ending): Promise<Reported> {
  const { triageId, startedAt, state, input } = run;
  state.phase = 'reporting';
  state.status = ending.status;
  state.limitedBy = ending.limitedBy ?? state.limitedBy;
  // What the report knows; a resolve that arrives while it is written is followed up.
  const resolvedBeforeReport = state.resolvedAt;
  const report = await triageStorage().finishTriage({
    triageId,
    status: ending.status,
    budget: state.use,
    startedAt,
    report: ending.report,
    limitedBy: state.limitedBy,
    resolvedAt: resolvedBeforeReport,
    alert: input.alert,
  });
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.status, value: ending.status }]);
  if (report) await tell(run, reportEvent(input.alert, report, ending.status, links(run), Date.now()));
  if (report?.remediation && ending.status === 'completed') state.proposal = report.remediation;
  return { report, followUp: report && followsUp(input.source, resolvedBeforeReport, input.settings.followUpWindowMs) ? report : undefined };
}

/** A proposed remediation waits for a person, within the approval window; cancelling the triage declines it. */
export async function awaitDecision(run: TriageRun): Promise<void> {
  const { state } = run;
  if (!state.proposal) return;
  state.phase = 'awaiting-approval';
  setCurrentDetails(`report sent; waiting for a person to approve or reject: ${state.proposal.action ?? 'remediate'} ${state.proposal.service}`);
  const decidedInTime = await condition(() => state.decision !== undefined || cancelEndsWaits(state), run.input.settings.approvalWindowMs);
  const closing = closingDecision(decidedInTime, state, Date.now());
  if (closing) await decide(run, closing);
  if (state.phase === 'awaiting-approval') state.phase = state.following ? 'following' : 'reporting';
}

/** The report is out and the alert still fires: when it resolves (within the window), say so once. */
export async function followUp(run: TriageRun, report: TriageReport): Promise<void> {
  const { state, triageId } = run;
  state.following = true;
  if (state.phase !== 'awaiting-approval') {
    state.phase = 'following';
    setCurrentDetails('report sent; waiting for the alert to resolve, to follow up');
  }
  const resolved = await condition(() => state.resolvedAt !== undefined || cancelEndsWaits(state), run.input.settings.followUpWindowMs);
  state.following = false;
  if (!resolved || state.resolvedAt === undefined) return;
  await triageStorage().recordTriageResolved({ triageId, resolvedAt: state.resolvedAt });
  await tell(run, resolvedEvent(run.input.alert, report, state.resolvedAt, links(run)));
}

/** The approve update, once its validator let it through: runs the proposed remediation and records who approved it. */
export async function approve(run: TriageRun, by: string): Promise<RemediationView> {
  const { state, triageId } = run;
  const { service, action, reason } = state.proposal!;
  state.deciding = true;
  try {
    const done = await settled(triageStorage().remediateForTriage({ triageId, service, action, reason, by }));
    if (!done.ok) throw ApplicationFailure.nonRetryable(done.message, FAILURES.approvalFailed);
    await decide(run, { kind: 'approved', by, at: Date.now(), result: done.value });
    return done.value;
  } finally {
    state.deciding = false;
  }
}

/** The reject update: records who rejected the proposal, and why. */
export async function reject(run: TriageRun, by: string, reason?: string): Promise<TriageDecision> {
  const decision: TriageDecision = { kind: 'rejected', by, at: Date.now(), reason };
  await decide(run, decision);
  return decision;
}

async function decide(run: TriageRun, decision: TriageDecision): Promise<void> {
  run.state.decision = decision;
  await triageStorage().recordTriageDecision({ triageId: run.triageId, decision });
}

const links = ({ input, triageId, workflowId }: TriageRun) => triageLinks(input.settings, triageId, workflowId);

// The report is in PostgreSQL already; a Slack outage loses nothing.
const tell = (run: TriageRun, event: HealthEvent) => notifyBestEffort(event, { triageId: run.triageId });
