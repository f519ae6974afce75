// The health loop's steps that act on the world: record and announce a status
// change, climb the remediation ladder (or give up and hand the service to a
// triage), and run one ladder step exactly once. What to do is decided by pure
// code in lib/core/health (decide.ts, loop.ts); these functions only carry it out.
import { isCancellation, log, patched, workflowInfo } from '@temporalio/workflow';
import { decide } from '../lib/core/health/decide';
import { actionTimeoutMs, withinWindow } from '../lib/core/health/limits';
import { afterAction, announcement, decisionInput, type HealthLoop } from '../lib/core/health/loop';
import { failingDetails } from '../lib/core/health/sources';
import type { HealthSpec, LadderStep } from '../lib/core/health/spec';
import type { HealthStatus, Transition } from '../lib/core/health/state';
import type { RemediationView } from '../lib/core/health/views';
import { actions, handOff, storage } from './proxies';
import { notifyBestEffort } from './notify';

/** Records a status change of the round at `at` and tells people about it; nothing when the status stayed. */
export async function report(loop: HealthLoop, transition: Transition | undefined, at: number): Promise<void> {
  if (!transition) return;
  const failing = failingDetails(loop.spec, loop.state);
  await storage().recordTransition({ service: loop.spec.service, round: loop.state.round, ...transition, at, reason: failing.join('; ') || 'checks passing' });
  // Judged after the record: a pause or an action that came meanwhile counts.
  const event = announcement(loop.spec, loop.state, transition, failing, at);
  if (event) await notifyBestEffort(event, { service: loop.spec.service });
}

/** Decides what to do about an unhealthy service and does it: hold off, wait, act or give up. */
export async function remediate(loop: HealthLoop): Promise<void> {
  const now = Date.now();
  const { spec, state } = loop;
  if (loop.acting || state.counters.status !== 'unhealthy' || state.gaveUp || !spec.ladder.length) {
    loop.suppressed = undefined;
    loop.waiting = undefined;
    return;
  }
  // 0.2.0 acted the moment a dependency recovered; its executions replay that way.
  const input = { ...decisionInput(spec, state, now), ...(patched('dependency-recovery-grace') ? {} : { dependencyDownAt: undefined }) };
  // Paused: suppressed anyway, no need to ask about the dependencies.
  const dependencies = state.paused ? {} : await dependencyStatuses(spec);
  if (Object.values(dependencies).includes('unhealthy')) state.dependencyDownAt = now;
  const decision = decide({ ...input, dependencies });
  // Both set once the decision is made: a status query while the dependencies are asked sees the last decision, not a blank.
  loop.suppressed = decision.kind === 'suppressed' ? decision.reason : undefined;
  loop.waiting = decision.kind === 'wait' ? { until: decision.until, reason: decision.reason } : undefined;
  if (decision.kind === 'give-up') await giveUp(loop, decision.reason);
  else if (decision.kind === 'act') {
    loop.state.ladderIndex = decision.step + 1;
    await act(loop, spec.ladder[decision.step], 'vigil', failingDetails(loop.spec, loop.state).join('; ') || 'unhealthy');
  }
}

/** Runs one ladder step exactly once (keyed by workflow id + decision number). */
export async function act(loop: HealthLoop, step: LadderStep, decidedBy: string, reason: string): Promise<RemediationView> {
  loop.acting = true;
  try {
    const { state, spec } = loop;
    state.decisions += 1;
    const key = `${workflowInfo().workflowId}/${state.decisions}`;
    const at = Date.now();
    state.actionTimes = [...withinWindow(state.actionTimes, at, spec.limits.windowMs), at];
    const { runAction } = actions(actionTimeoutMs(step.action));
    let outcome: Pick<RemediationView, 'status' | 'detail'>;
    try {
      outcome = await runAction({ key, service: spec.service, step: step.name, action: step.action, decidedBy, reason });
    } catch (error) {
      if (isCancellation(error)) throw error;
      // Every attempt failed (PostgreSQL away for minutes, say): whether the action ran is unknown.
      log.warn('remediation action has no known outcome', { service: spec.service, key, error: String(error) });
      outcome = { status: 'in-doubt', detail: `no outcome: ${String(error).slice(0, 200)}` };
    }
    Object.assign(state, afterAction(step, { key, step: step.name, status: outcome.status, detail: outcome.detail, at, decidedBy }, Date.now()));
    return state.lastAction!;
  } finally {
    loop.acting = false;
  }
}

async function giveUp(loop: HealthLoop, reason: string): Promise<void> {
  const at = Date.now();
  const service = loop.spec.service;
  // The hand-off goes into the audit trail (and to the notifiers) like any action.
  const notice = await act(loop, { name: 'give-up', action: { type: 'notify', message: `gave up on ${service}: ${reason}` }, settleMs: 0 }, 'vigil', reason);
  // Shown once the triage has started, so the view never has a hand-off without its triage.
  const triageId = await startTriage(loop, reason, notice.key);
  loop.state.gaveUp = { at, reason, ...(triageId ? { triageId } : {}) };
}

/** Hands the service to an alert triage; keyed by the give-up decision, so a retry never starts two. */
async function startTriage(loop: HealthLoop, reason: string, key: string): Promise<string | undefined> {
  const service = loop.spec.service;
  try {
    return (await handOff().startServiceTriage({ service, reason, details: failingDetails(loop.spec, loop.state), key })).triageId;
  } catch (error) {
    log.warn('could not start a triage', { service, error: String(error) });
    return undefined;
  }
}

/** Each dependency's live status: its own loop's answer, or its last stored transition (activities/health.ts). */
async function dependencyStatuses(spec: HealthSpec): Promise<Record<string, HealthStatus>> {
  if (!spec.dependsOn.length) return {};
  return storage().dependencyStatuses({ services: spec.dependsOn });
}
