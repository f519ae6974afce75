// The alert triage workflow (triage/<fingerprint>/<startsAt> or triage/manual/<id>).
// Workflow code decides, activities act: a gate first, then the investigation (model
// turns and tool calls under budgets, or the offline investigator when there is no
// model to ask), then the report, always written from what the model said or what
// the tools found, never a placeholder, and sent to Slack. After it the triage waits
// for a person to approve or reject a proposed remediation, and for the alert to
// resolve, to follow up. The steps live in triage-investigate.ts and triage-report.ts.
import { allHandlersFinished, CancellationScope, condition, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { decisionRefused } from '../lib/core/triage/approval';
import { skippedEnding, type Ending } from '../lib/core/triage/endings';
import { triageIdOf } from '../lib/core/triage/ids';
import type { TriageAlert } from '../lib/core/triage/types';
import { SEARCH_ATTRIBUTES, triageApproveUpdate, triageCancelSignal, triageProgressQuery, triageRejectUpdate, triageResolvedSignal } from './messages';
import { endOfInvestigation, investigate, passGate } from './triage-investigate';
import { approve, awaitDecision, followUp, reject, writeReport } from './triage-report';
import { newTriageState, progressOf, type TriageInput, type TriageResult, type TriageRun } from './triage-run';

export type { TriageInput, TriageResult } from './triage-run';

export async function triageWorkflow(input: TriageInput): Promise<TriageResult> {
  const { workflowId } = workflowInfo();
  const run: TriageRun = { triageId: triageIdOf(workflowId), workflowId, input, startedAt: Date.now(), state: newTriageState() };
  const { state } = run;
  // Cancel stops the investigation, a model call in flight included; the waits after the report watch state.cancelled.
  const investigation = new CancellationScope();

  setHandler(triageResolvedSignal, ({ at }) => {
    state.resolvedAt ??= at;
  });
  setHandler(triageCancelSignal, (request) => {
    state.cancelled ??= request ?? {};
    investigation.cancel();
  });
  setHandler(triageProgressQuery, () => progressOf(run));
  const validator = (_request: { by: string }) => {
    const refused = decisionRefused(state);
    if (refused) throw new Error(refused);
  };
  setHandler(triageApproveUpdate, ({ by }) => approve(run, by), { validator });
  setHandler(triageRejectUpdate, ({ by, reason }) => reject(run, by, reason), { validator });

  markSearchAttributes(input.alert);
  const gate = await passGate(run);
  let ending: Ending;
  try {
    ending = gate.investigate ? await investigation.run(() => investigate(run)) : skippedEnding(gate);
  } catch (error) {
    ending = endOfInvestigation(run, error);
  }
  const { report, followUp: following } = await writeReport(run, ending);
  await Promise.all([awaitDecision(run), following && followUp(run, following)]);
  await condition(allHandlersFinished);
  state.phase = 'done';
  return { triageId: run.triageId, status: ending.status, summary: report?.summary.slice(0, 300) };
}

/** Makes the triage findable in the Temporal UI by kind, status, fingerprint, alert name and service. */
function markSearchAttributes({ fingerprint, labels }: TriageAlert): void {
  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.kind, value: 'triage' },
    { key: SEARCH_ATTRIBUTES.status, value: 'running' },
    ...(fingerprint ? [{ key: SEARCH_ATTRIBUTES.fingerprint, value: fingerprint }] : []),
    ...(labels.alertname ? [{ key: SEARCH_ATTRIBUTES.alertname, value: labels.alertname.slice(0, 200) }] : []),
    ...(labels.service ? [{ key: SEARCH_ATTRIBUTES.service, value: labels.service.slice(0, 200) }] : []),
  ]);
}
