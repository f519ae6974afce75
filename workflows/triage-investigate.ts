// The triage's steps up to the report: the gate, then the investigation, by model
// turns and tool batches under budgets (the LLM activity keeps the transcript in
// PostgreSQL and returns only stop reason, tool calls and usage), or by the offline
// investigator's fixed plan when there is no model to ask.
import { isCancellation, log, patched, setCurrentDetails } from '@temporalio/workflow';
import type { ModelTurnResult } from '../activities/llm';
import type { ToolOutcome } from '../activities/triage-tools';
import { addUsage, maxTokensForNextCall, type ToolBatch } from '../lib/core/triage/budget';
import { cancelledEnding, failedEnding, gateWithoutModel, OFFLINE_ENDING, type Ending } from '../lib/core/triage/endings';
import { gateDecision } from '../lib/core/triage/gate';
import { offlinePlan } from '../lib/core/triage/offline';
import { afterTools, afterTurn, beginTurn, failedCall, modelCallBoundMs, newTurnLoop, toolSummary, withLines, type ToolRun, type TurnLoop } from '../lib/core/triage/turns';
import type { GateDecision, ToolCall } from '../lib/core/triage/types';
import { model, triageStorage, triageTools } from './proxies';
import { activityFailed, settled, type TriageRun } from './triage-run';

/** The gate: the rules, then (when they pass and a gate model is set) the cheap model. Recorded with the run. */
export async function passGate(run: TriageRun): Promise<GateDecision> {
  const { triageId, workflowId, input } = run;
  const { startTriageRun, recordTriageGate } = triageStorage();
  const rules = gateDecision(input.alert.labels, input.settings.gate);
  await startTriageRun({ triageId, workflowId, source: input.source, alert: input.alert, question: input.question, gate: rules });
  if (!rules.investigate || !input.settings.gateModel) return rules;
  const gate = await askGateModel(run);
  await recordTriageGate({ triageId, gate });
  return gate;
}

async function askGateModel({ triageId, input: { settings, alert }, state }: TriageRun): Promise<GateDecision> {
  const asked = await settled(model(settings.requestTimeoutMs).triageGateTurn({ triageId, model: settings.gateModel, alert }));
  if (!asked.ok) return gateWithoutModel(asked.failure.message);
  if (asked.value.noModel) return gateWithoutModel();
  state.use = addUsage(state.use, asked.value.usage);
  return { investigate: asked.value.investigate, reason: asked.value.reason };
}

/** The investigation: with the model, or offline when the LLM worker has no API key. */
export async function investigate(run: TriageRun): Promise<Ending> {
  run.state.phase = 'investigating';
  return investigateWithModel(run);
}

/** How an investigation that threw ends: cancelled, or failed with a report of what the tools found; anything else fails the triage. */
export function endOfInvestigation({ state }: TriageRun, error: unknown): Ending {
  if (state.cancelled && isCancellation(error)) return cancelledEnding(state.cancelled);
  const failed = activityFailed(error);
  const ending = failed && failedEnding(failed);
  if (!ending) throw error;
  return ending;
}

async function investigateWithModel(run: TriageRun): Promise<Ending> {
  const { state, input } = run;
  const { budgets, continueOnResolve, maxTokensPerTurn } = input.settings;
  let loop = newTurnLoop();
  for (;;) {
    state.turn += 1;
    const begun = beginTurn(loop, { resolvedAt: state.resolvedAt, continueOnResolve, budgets, use: state.use, elapsedMs: Date.now() - run.startedAt, maxTokensPerTurn });
    loop = begun.loop;
    state.limitedBy = begun.limitedBy ?? state.limitedBy;
    if (loop.mode === 'final') state.phase = 'final-answer';
    const answer = await modelTurn(run, loop);
    // No API key where the model is called: the turn is given back and the offline investigator takes over.
    if (answer.noModel) {
      state.turn -= 1;
      return investigateOffline(run);
    }
    state.use = addUsage(state.use, answer.usage);
    const next = afterTurn(loop, answer, { use: state.use, budgets, limitedBy: state.limitedBy });
    if (next.kind === 'finish') return next.ending;
    loop = next.kind === 'run-tools' ? await runTools(run, next.loop, next.batch, answer.toolCalls) : next.loop;
  }
}

function modelTurn({ triageId, input: { settings }, state, startedAt }: TriageRun, loop: TurnLoop): Promise<ModelTurnResult> {
  const final = loop.mode === 'final';
  setCurrentDetails(`turn ${state.turn}: ${final ? 'asking for the final answer' : 'investigating'}; ${state.use.toolCalls}/${settings.budgets.maxToolCalls} tool calls`);
  const { triageModelTurn } = model(settings.requestTimeoutMs, modelCallBoundMs(settings.budgets.wallClockMs, Date.now() - startedAt, settings.requestTimeoutMs));
  const { mode, refused, notes, continuation } = loop;
  return triageModelTurn.executeWithOptions({ summary: `model turn ${state.turn}${final ? ' (final answer, no tools)' : ''}` }, [
    { triageId, turn: state.turn, model: settings.model, maxTokens: maxTokensForNextCall(settings.budgets, state.use, settings.maxTokensPerTurn), mode, refused, notes, continuation },
  ]);
}

/** Runs what fits of a batch, in parallel; a call that fails after its retries is an error result for the model. */
async function runTools(run: TriageRun, loop: TurnLoop, batch: ToolBatch, calls: ToolCall[]): Promise<TurnLoop> {
  const { state } = run;
  // A refused repeat counts: a model asking for the same call forever spends the budget.
  state.use = { ...state.use, toolCalls: state.use.toolCalls + batch.run.length + batch.repeats };
  const ran = await Promise.all(
    batch.run.map(async (call): Promise<ToolRun> => {
      const done = await settled(runTool(run, call, state.turn));
      return done.ok ? { outcome: done.value } : { failed: failedCall(call, done.message) };
    }),
  );
  const after = afterTools(loop, calls, batch, ran);
  state.tools = withLines(state.tools, after.lines);
  return after.loop;
}

/** The built-in offline investigator: a fixed plan over the same tools, within the tool budget. */
async function investigateOffline(run: TriageRun): Promise<Ending> {
  const { state, input } = run;
  log.info('no model configured: running the offline investigator', { triageId: run.triageId });
  state.phase = 'investigating';
  // 0.2.0's offline plan had no ranking; its executions replay without it.
  const ranked = patched('offline-rank-suspects');
  const plan = offlinePlan(input.alert, input.settings.offlineQueries, ranked).slice(0, Math.max(0, input.settings.budgets.maxToolCalls - state.use.toolCalls));
  state.use = { ...state.use, toolCalls: state.use.toolCalls + plan.length };
  state.tools = withLines(state.tools, await Promise.all(plan.map((call) => runTool(run, call, 0))));
  return OFFLINE_ENDING;
}

/** One tool call (a local activity), shown in the Temporal UI by its name and input. */
function runTool({ triageId, input }: TriageRun, call: ToolCall, turn: number): Promise<ToolOutcome> {
  return triageTools(input.settings.toolTimeoutMs).runTriageTool.executeWithOptions({ summary: toolSummary(call) }, [
    { triageId, turn, call, labels: input.alert.labels, startsAt: input.alert.startsAt },
  ]);
}
