// The alert triage workflow (triage/<fingerprint>/<startsAt> or triage/manual/<id>).
// Workflow code decides, activities act: a gate first, then model turns (the LLM
// activity keeps the transcript in PostgreSQL and returns only stop reason, tool
// calls and usage) and tool calls (one activity each, parallel within a batch),
// under budgets. When a budget is nearly spent the model is asked for its final
// answer without tools; the report is always written from what the model said or
// what the tools found, never a placeholder. Then it goes to Slack.
import {
  ActivityFailure,
  TemporalFailure,
  TimeoutFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ToolOutcome } from '../activities/triage-tools';
import type { FinishInput } from '../activities/triage';
import { NON_RETRYABLE_NOTIFY_ERROR } from '../lib/core/notify/types';
import { addUsage, callKey, finalCallNeeded, fitToolBatch, maxTokensForNextCall, NO_USE, type BudgetUse, type Refusal } from '../lib/core/triage/budget';
import { reportEvent, resolvedEvent, triageLinks } from '../lib/core/triage/announce';
import { gateDecision } from '../lib/core/triage/gate';
import { triageIdOf } from '../lib/core/triage/ids';
import { offlinePlan } from '../lib/core/triage/offline';
import { FINAL_ANSWER_NOTE } from '../lib/core/triage/prompt';
import type { TriageSettings } from '../lib/core/triage/settings';
import { nextStep, type CallMode } from '../lib/core/triage/stop';
import { LLM_NOT_CONFIGURED, LLM_REJECTED, type TriageAlert, type TriageReport, type TriageStatus } from '../lib/core/triage/types';
import {
  queuesOfWorkflowQueue,
  SEARCH_ATTRIBUTES,
  triageApproveUpdate,
  triageCancelSignal,
  triageProgressQuery,
  triageRejectUpdate,
  triageResolvedSignal,
  type TriageDecision,
  type TriageProgress,
} from './messages';

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

type Ending = { status: TriageStatus; report: NonNullable<FinishInput['report']>; limitedBy?: string };

/**
 * Changes to the triage's commands since histories were first recorded; each is
 * asked of `patched()` once, first thing in a run (see HEALTH_PATCHES for why).
 * localTools: tool calls run as local activities (one round trip per turn fewer).
 * followUp: after the report, wait for the alert to resolve and say so.
 * cancelAfterReport: cancel also ends the waits after the report (approval, follow-up).
 * toolFailures: a tool call that fails for good is an error result for the model, not the triage's end.
 * wallClock: a model call's retries end where the wall-clock budget does (plus one request's time).
 */
const TRIAGE_PATCHES = {
  localTools: 'triage-local-tools',
  followUp: 'triage-follow-up-on-resolve',
  cancelAfterReport: 'triage-cancel-after-report',
  toolFailures: 'triage-tool-failures-to-model',
  wallClock: 'triage-wall-clock-bounds-model-retries',
} as const;

const MAX_PROGRESS_TOOLS = 20;

export async function triageWorkflow(input: TriageInput): Promise<TriageResult> {
  const { workflowId, taskQueue } = workflowInfo();
  const triageId = triageIdOf(workflowId);
  const queues = queuesOfWorkflowQueue(taskQueue);
  const { settings, alert } = input;
  const startedAt = Date.now();
  const features = {
    localTools: patched(TRIAGE_PATCHES.localTools),
    followUp: patched(TRIAGE_PATCHES.followUp),
    cancelAfterReport: patched(TRIAGE_PATCHES.cancelAfterReport),
    toolFailures: patched(TRIAGE_PATCHES.toolFailures),
    wallClock: patched(TRIAGE_PATCHES.wallClock),
  };

  const { startTriageRun, finishTriage, recordTriageDecision, recordTriageGate, recordTriageResolved, remediateForTriage } = proxyActivities<Activities>({
    taskQueue: queues.checks,
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
  });
  const { triageModelTurn, triageGateTurn } = proxyActivities<Activities>({
    taskQueue: queues.llm,
    startToCloseTimeout: settings.requestTimeoutMs + 30_000,
    // The activity heartbeats during the call: a dead worker is noticed in seconds, not minutes.
    heartbeatTimeout: '20 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes: [LLM_REJECTED, LLM_NOT_CONFIGURED] },
  });
  // Tools only read, store their result keyed by tool_use id and take seconds at
  // most: as local activities they run inside the workflow task that asked for them.
  const toolRetry = { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 3 };
  const toolTimeout = settings.toolTimeoutMs + 5_000;
  const { runTriageTool } = features.localTools
    ? proxyLocalActivities<Activities>({ startToCloseTimeout: toolTimeout, retry: toolRetry })
    : proxyActivities<Activities>({ taskQueue: queues.checks, startToCloseTimeout: toolTimeout, retry: toolRetry });
  const { notify } = proxyActivities<Activities>({
    taskQueue: queues.actions,
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '2 seconds', maximumInterval: '30 seconds', maximumAttempts: 5, nonRetryableErrorTypes: [NON_RETRYABLE_NOTIFY_ERROR] },
  });

  /** A tool call, shown in the Temporal UI by its name and (the start of) its input. */
  const runTool = (input: Parameters<typeof runTriageTool>[0]) =>
    runTriageTool.executeWithOptions({ summary: `${input.call.name} ${JSON.stringify(input.call.input)}`.replace(/\s+/g, ' ').slice(0, 120) }, [input]);
  /** A tool call, or why it failed after its retries: that goes to the model as a result, not to the triage. */
  const runToolOrFail = async (input: Parameters<typeof runTriageTool>[0]): Promise<{ outcome: ToolOutcome } | { failed: Refusal }> => {
    try {
      return { outcome: await runTool(input) };
    } catch (error) {
      // A local activity's failure arrives as itself, an activity task's inside an ActivityFailure.
      if (!features.toolFailures || isCancellation(error) || !(error instanceof TemporalFailure)) throw error;
      return { failed: { id: input.call.id, reason: `the tool failed: ${(error instanceof ActivityFailure ? error.cause?.message : undefined) ?? error.message}`.slice(0, 1000) } };
    }
  };

  let status: TriageStatus = 'running';
  let phase: TriageProgress['phase'] = 'gate';
  let turn = 0;
  let use: BudgetUse = NO_USE;
  let limitedBy: string | undefined;
  let resolvedAt: number | undefined;
  let cancelled: TriageProgress['cancelled'];
  const tools: TriageProgress['tools'] = [];
  let proposal: TriageProgress['proposal'];
  let decision: TriageDecision | undefined;
  let deciding = false;
  let awaitingResolve = false;
  const scope = new CancellationScope();
  /** Cancelled after the report (an approval being carried out finishes first). */
  const cancelledNow = () => features.cancelAfterReport && cancelled !== undefined && !deciding;

  setHandler(triageResolvedSignal, ({ at }) => {
    resolvedAt ??= at;
  });
  setHandler(triageCancelSignal, (request) => {
    cancelled ??= request ?? {};
    scope.cancel();
  });
  setHandler(triageProgressQuery, (): TriageProgress => ({
    triageId,
    status,
    phase,
    turn,
    budget: use,
    budgets: settings.budgets,
    limitedBy,
    resolvedAt,
    cancelled,
    proposal,
    decision,
    tools: tools.slice(-MAX_PROGRESS_TOOLS),
  }));

  // A proposed remediation runs only when a human approves it, once.
  const canDecide = (_request: { by: string }) => {
    if (decision) throw new Error(`already ${decision.kind}${decision.by ? ` by ${decision.by}` : ''}`);
    if (!proposal || phase !== 'awaiting-approval') throw new Error(proposal ? 'the report is not written yet' : 'this triage proposes no remediation');
    if (deciding) throw new Error('a decision is being carried out');
  };
  setHandler(
    triageApproveUpdate,
    async ({ by }) => {
      deciding = true;
      try {
        const result = await remediateForTriage({ triageId, service: proposal!.service, action: proposal!.action, reason: proposal!.reason, by });
        decision = { kind: 'approved', by, at: Date.now(), result };
        await recordTriageDecision({ triageId, decision });
        return result;
      } catch (error) {
        throw error instanceof ActivityFailure ? ApplicationFailure.nonRetryable((error.cause as Error | undefined)?.message ?? error.message, 'ApprovalFailed') : error;
      } finally {
        deciding = false;
      }
    },
    { validator: canDecide },
  );
  setHandler(
    triageRejectUpdate,
    async ({ by, reason }) => {
      decision = { kind: 'rejected', by, at: Date.now(), reason };
      await recordTriageDecision({ triageId, decision });
      return decision;
    },
    { validator: canDecide },
  );

  const labels = alert.labels;
  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.kind, value: 'triage' },
    { key: SEARCH_ATTRIBUTES.status, value: 'running' },
    ...(alert.fingerprint ? [{ key: SEARCH_ATTRIBUTES.fingerprint, value: alert.fingerprint }] : []),
    ...(labels.alertname ? [{ key: SEARCH_ATTRIBUTES.alertname, value: labels.alertname.slice(0, 200) }] : []),
    ...(labels.service ? [{ key: SEARCH_ATTRIBUTES.service, value: labels.service.slice(0, 200) }] : []),
  ]);

  let gate = gateDecision(labels, settings.gate);
  await startTriageRun({ triageId, workflowId, source: input.source, alert, question: input.question, gate });
  if (gate.investigate && settings.gateModel) {
    try {
      const verdict = await triageGateTurn({ triageId, model: settings.gateModel, alert });
      use = addUsage(use, verdict.usage);
      gate = { investigate: verdict.investigate, reason: verdict.reason };
    } catch (error) {
      // No model, or the gate model failing: the gate errs on the side of investigating.
      const missing = error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === LLM_NOT_CONFIGURED;
      gate = { investigate: true, reason: missing ? 'rules passed; no model for the gate' : `rules passed; the gate model failed (${(error as Error).message}), investigating` };
    }
    await recordTriageGate({ triageId, gate });
  }

  function record(outcomes: ToolOutcome[], refused: Refusal[], names: Record<string, string>): void {
    for (const outcome of outcomes) tools.push({ id: outcome.id, name: outcome.name, status: outcome.status, summary: outcome.summary });
    for (const refusal of refused) tools.push({ id: refusal.id, name: names[refusal.id] ?? '?', status: 'refused', summary: refusal.reason.slice(0, 300) });
    tools.splice(0, Math.max(0, tools.length - MAX_PROGRESS_TOOLS));
  }

  async function investigate(): Promise<Ending> {
    phase = 'investigating';
    const seen: Record<string, string> = {};
    let mode: CallMode = 'tools';
    let finalCalls = 0;
    let notes: string[] = [];
    let refused: Refusal[] = [];
    let continuation = false;
    let resolvedNoted = false;
    for (;;) {
      turn += 1;
      if (resolvedAt !== undefined && !resolvedNoted) {
        resolvedNoted = true;
        const note = `Note: the alert resolved at ${new Date(resolvedAt).toISOString()} while you were investigating.`;
        if (settings.continueOnResolve) notes.push(note);
        else if (mode === 'tools') {
          mode = 'final';
          limitedBy = 'the alert resolved during the investigation';
          notes.push(`${note} Finish now with a short summary of what you found, in the report format, without tools.`);
        }
      }
      const need = finalCallNeeded(settings.budgets, use, Date.now() - startedAt, settings.maxTokensPerTurn);
      if (need.final && mode === 'tools') {
        mode = 'final';
        limitedBy = need.reason;
        notes.push(FINAL_ANSWER_NOTE);
      }
      if (mode === 'final') {
        finalCalls += 1;
        phase = 'final-answer';
      }
      setCurrentDetails(`turn ${turn}: ${mode === 'final' ? 'asking for the final answer' : 'investigating'}; ${use.toolCalls}/${settings.budgets.maxToolCalls} tool calls`);
      // Retries (429s, an outage) stop where the time budget does, plus one request's time.
      const bound = features.wallClock ? { scheduleToCloseTimeout: Math.max(0, settings.budgets.wallClockMs - (Date.now() - startedAt)) + settings.requestTimeoutMs + 5_000 } : {};
      const result = await triageModelTurn.executeWithOptions({ summary: `model turn ${turn}${mode === 'final' ? ' (final answer, no tools)' : ''}`, ...bound }, [
        { triageId, turn, model: settings.model, maxTokens: maxTokensForNextCall(settings.budgets, use, settings.maxTokensPerTurn), mode, refused, notes, continuation },
      ]);
      notes = [];
      refused = [];
      continuation = false;
      use = addUsage(use, result.usage);
      const step = nextStep(result.stopReason, { mode, finalCalls, hasToolCalls: result.toolCalls.length > 0 });
      if (step.kind === 'finish') {
        return { status: step.status, report: step.partial ? { from: 'known', limitedBy: step.limitedBy ?? 'ended early' } : { from: 'answer' }, limitedBy: step.limitedBy ?? limitedBy };
      }
      if (step.kind === 'continue') {
        continuation = true;
        continue;
      }
      if (step.kind === 'ask-final') {
        mode = 'final';
        notes.push(step.note);
        // Tool calls made anyway are answered, as the API requires, but not run.
        refused = result.toolCalls.map((call) => ({ id: call.id, reason: 'not run: no more tool calls; give your final answer' }));
        continue;
      }
      const batch = fitToolBatch(result.toolCalls, use, settings.budgets, seen);
      for (const call of batch.run) seen[callKey(call)] = call.id;
      use = { ...use, toolCalls: use.toolCalls + batch.run.length };
      const ran = await Promise.all(batch.run.map((call) => runToolOrFail({ triageId, turn, call, labels })));
      const names = Object.fromEntries(result.toolCalls.map((call) => [call.id, call.name]));
      const failed = ran.flatMap((run) => ('failed' in run ? [run.failed] : []));
      const outcomes = ran.flatMap((run) => ('outcome' in run ? [run.outcome] : []));
      record([...outcomes, ...failed.map((failure): ToolOutcome => ({ id: failure.id, name: names[failure.id] ?? '?', status: 'error', summary: failure.reason.slice(0, 300), truncated: false }))], batch.refused, names);
      refused = [...batch.refused, ...failed];
    }
  }

  async function investigateOffline(): Promise<Ending> {
    phase = 'investigating';
    const plan = offlinePlan(alert, settings.offlineQueries).slice(0, Math.max(0, settings.budgets.maxToolCalls - use.toolCalls));
    use = { ...use, toolCalls: use.toolCalls + plan.length };
    record(await Promise.all(plan.map((call) => runTool({ triageId, turn: 0, call, labels }))), [], {});
    return { status: 'completed', report: { from: 'offline' } };
  }

  let ending: Ending;
  if (!gate.investigate) ending = { status: 'skipped', report: { from: 'none' }, limitedBy: gate.reason };
  else {
    try {
      ending = await scope.run(investigate);
    } catch (error) {
      if (cancelled && isCancellation(error)) ending = { status: 'cancelled', report: { from: 'none' }, limitedBy: `cancelled${cancelled.by ? ` by ${cancelled.by}` : ''}${cancelled.reason ? `: ${cancelled.reason}` : ''}` };
      else if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === LLM_NOT_CONFIGURED) {
        log.info('no model configured: running the offline investigator', { triageId });
        ending = await investigateOffline();
      } else if (error instanceof ActivityFailure && error.activityType === 'triageModelTurn' && (error.retryState === 'TIMEOUT' || error.cause instanceof TimeoutFailure)) {
        // Retries cut short by the time budget (scheduleToCloseTimeout): a report of what the tools found.
        const reason = `the time budget ran out while the model API did not answer (last: ${error.cause?.message ?? 'no answer'})`;
        ending = { status: 'failed', report: { from: 'known', limitedBy: reason }, limitedBy: reason };
      } else if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) {
        // A rejected request (400, 401, …) or retries exhausted: fail fast, with a report of what the tools found.
        const reason = `${error.activityType === 'triageModelTurn' ? 'the model API' : error.activityType} failed: ${error.cause.message}`;
        ending = { status: 'failed', report: { from: 'known', limitedBy: reason }, limitedBy: reason };
      } else throw error;
    }
  }

  phase = 'reporting';
  status = ending.status;
  limitedBy = ending.limitedBy ?? limitedBy;
  // What the report knows; a resolve that arrives while it is written is followed up.
  const resolvedInReport = resolvedAt;
  const report = await finishTriage({ triageId, status: ending.status, budget: use, startedAt, report: ending.report, limitedBy, resolvedAt: resolvedInReport, alert });
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.status, value: ending.status }]);
  const links = triageLinks(settings, triageId, workflowId);
  if (report) await tell(reportEvent(alert, report, ending.status, links, Date.now()));
  if (report?.remediation && ending.status === 'completed') proposal = report.remediation;
  const followUpWindowMs = settings.followUpWindowMs ?? 0;
  const waits: Promise<void>[] = [];
  if (proposal) waits.push(awaitDecision());
  if (report && features.followUp && input.source === 'alertmanager' && resolvedInReport === undefined && followUpWindowMs > 0) waits.push(followUp(report, followUpWindowMs));
  await Promise.all(waits);
  await condition(allHandlersFinished);
  phase = 'done';
  return { triageId, status: ending.status, summary: report?.summary.slice(0, 300) };

  async function awaitDecision(): Promise<void> {
    phase = 'awaiting-approval';
    setCurrentDetails(`report sent; waiting for a person to approve or reject: ${proposal?.action ?? 'remediate'} ${proposal?.service ?? ''}`);
    if (!(await condition(() => decision !== undefined || cancelledNow(), settings.approvalWindowMs))) {
      decision = { kind: 'expired', at: Date.now() };
      await recordTriageDecision({ triageId, decision });
    } else if (decision === undefined && cancelled) {
      // Cancelling the triage declines its proposal.
      decision = { kind: 'rejected', by: cancelled.by, at: Date.now(), reason: `the triage was cancelled${cancelled.reason ? `: ${cancelled.reason}` : ''}` };
      await recordTriageDecision({ triageId, decision });
    }
    if (phase === 'awaiting-approval') phase = awaitingResolve ? 'following' : 'reporting';
  }

  /** The report is out and the alert still fires: when it resolves, say so once. */
  async function followUp(report: TriageReport, windowMs: number): Promise<void> {
    awaitingResolve = true;
    if (phase !== 'awaiting-approval') {
      phase = 'following';
      setCurrentDetails('report sent; waiting for the alert to resolve, to follow up');
    }
    const resolved = await condition(() => resolvedAt !== undefined || cancelledNow(), windowMs);
    awaitingResolve = false;
    if (!resolved || resolvedAt === undefined) return;
    await recordTriageResolved({ triageId, resolvedAt });
    await tell(resolvedEvent(alert, report, resolvedAt, links));
  }

  async function tell(event: Parameters<typeof notify>[0]['event']): Promise<void> {
    try {
      await notify({ event });
    } catch (error) {
      // The report is in PostgreSQL already; a Slack outage loses nothing.
      log.warn('triage notification not delivered', { triageId, kind: event.kind, error: String(error) });
    }
  }
}
