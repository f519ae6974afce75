// The health loop's state and the decisions that are pure functions of it:
// what continue-as-new carries, what a status change does to the ladder, what
// the status view says, whether a change is announced, whether an operator's
// remediation is refused. The workflow (workflows/health.ts) does the I/O.
import type { BaselineState } from './anomaly';
import type { DecisionInput, InDoubt } from './decide';
import { actionTimeoutMs, DEFAULT_DEPENDENCY_GRACE_MS, isFlapping, remediationVerdict, withinWindow, type FlapRule } from './limits';
import { activeMaintenance } from './maintenance';
import { forgetRemovedSources, latestViews, nextDueAt } from './sources';
import type { HealthSpec, LadderStep } from './spec';
import { storageView, type StorageState } from './storage';
import { INITIAL_COUNTERS, type HealthCounters, type HealthStatus, type Transition } from './state';
import { pauseOver, type CheckView, type HealthStatusView, type PauseInput, type RemediationView } from './views';
import type { LogCursor } from '../logwatch/types';
import type { HealthEvent } from '../notify/types';

/** Everything that must survive continue-as-new: plain JSON only. */
export interface HealthCarried {
  round: number;
  counters: HealthCounters;
  since?: number;
  paused?: PauseInput;
  lastResults: Record<string, CheckView>;
  baselines: Record<string, BaselineState>;
  nextDue: Record<string, number>;
  transitionTimes: number[];
  /** Remediation: the next ladder step, when actions ran, the idempotency counter. */
  ladderIndex: number;
  actionTimes: number[];
  decisions: number;
  settleUntil?: number;
  gaveUp?: { at: number; reason: string; triageId?: string };
  lastAction?: RemediationView;
  /** The last action's fate is unknown: the ladder waits for a check after it (decide.ts, inDoubtHold). */
  inDoubt?: InDoubt;
  /** When a dependency was last seen unhealthy (decide.ts, dependencyHold). */
  dependencyDownAt?: number;
  /** Where each log watch got to in its file. */
  logCursors?: Record<string, LogCursor>;
  /** Since when each metric policy's condition has held. */
  policyPending?: Record<string, number>;
  /** PostgreSQL is away (since when), and the results the loop keeps until it is back. */
  storage?: StorageState;
}

/** The loop as a whole: the spec, the carried state, and what only this run needs. */
export interface HealthLoop {
  spec: HealthSpec;
  state: HealthCarried;
  /** A remediation step is running (from the loop or the remediate update). */
  acting: boolean;
  /** A signal or update asks the loop to look again before its next round is due. */
  wake: boolean;
  /** The spec changed: a quiet watch running on the old one must stop. */
  specChanged: boolean;
  /** Why the last decision held off, or until when it waits; shown in the status view. */
  suppressed?: string;
  waiting?: { until: number; reason: string };
}

export function initialHealthState(): HealthCarried {
  return { round: 0, counters: INITIAL_COUNTERS, lastResults: {}, baselines: {}, nextDue: {}, transitionTimes: [], ladderIndex: 0, actionTimes: [], decisions: 0 };
}

/** A loop starting on `spec`, fresh or from what the previous run carried. */
export function newHealthLoop(spec: HealthSpec, carried?: HealthCarried): HealthLoop {
  return { spec, state: { ...initialHealthState(), ...carried }, acting: false, wake: false, specChanged: false };
}

/** Takes a new spec; returns whether anything changed. Sources that are gone are forgotten; new ones run in the next round. */
export function reconfigure(loop: HealthLoop, next: HealthSpec): boolean {
  if (JSON.stringify(next) === JSON.stringify(loop.spec)) return false;
  loop.spec = next;
  forgetRemovedSources(next, loop.state);
  loop.state.ladderIndex = Math.min(loop.state.ladderIndex, next.ladder.length);
  loop.wake = true;
  loop.specChanged = true;
  return true;
}

/** A hand-off for flapping stands while the service keeps flapping: each bounce must not give up (and notify) again. */
export function handOffStands(state: Pick<HealthCarried, 'gaveUp' | 'transitionTimes'>, now: number, flapping: FlapRule): boolean {
  return Boolean(state.gaveUp) && isFlapping(state.transitionTimes, now, flapping);
}

/** What a status change at `now` does to the carried state (the changed fields only). */
export function afterTransition(state: HealthCarried, to: HealthStatus, now: number, flapping: FlapRule): Partial<HealthCarried> {
  const transitionTimes = [...withinWindow(state.transitionTimes, now, flapping.windowMs), now];
  const recorded = { since: now, transitionTimes };
  if ((to !== 'healthy' && to !== 'degraded') || handOffStands({ gaveUp: state.gaveUp, transitionTimes }, now, flapping)) return recorded;
  // Healed (by us or by itself): the next incident starts at the bottom of the ladder.
  return { ...recorded, ladderIndex: 0, settleUntil: undefined, gaveUp: undefined, inDoubt: undefined };
}

/** What an action's result at `now` does to the carried state (the changed fields only). */
export function afterAction(step: LadderStep, action: RemediationView, now: number): Pick<HealthCarried, 'lastAction' | 'settleUntil' | 'inDoubt'> {
  // In doubt: the action may still run until its own timeout from its start.
  const inDoubt = action.status === 'in-doubt' ? { key: action.key, step: step.name, checkAfter: Math.max(now, action.at + actionTimeoutMs(step.action)) } : undefined;
  return { lastAction: action, settleUntil: now + step.settleMs, inDoubt };
}

/** The notification for a status change, if it gets one: going down and coming back do; maintenance and pauses stay quiet. */
export function announcement(spec: HealthSpec, state: HealthCarried, transition: Transition, failing: string[], now: number): HealthEvent | undefined {
  const { from, to } = transition;
  const kind = to === 'unhealthy' ? 'unhealthy' : from === 'unhealthy' ? 'healed' : undefined;
  if (!kind || state.paused || activeMaintenance(spec.maintenance, now)) return undefined;
  const summary = kind === 'unhealthy' ? `${spec.service} is unhealthy` : `${spec.service} is ${to} again${state.lastAction ? ` after ${state.lastAction.step}` : ''}`;
  return { kind, service: spec.service, status: to, at: now, summary, details: failing };
}

/** What `decide` needs, all but the dependencies' live status (which the loop asks their loops about). */
export function decisionInput(spec: HealthSpec, state: HealthCarried, now: number): Omit<DecisionInput, 'dependencies'> {
  const checkTimes = Object.values(state.lastResults).map((view) => view.at);
  return {
    now,
    status: state.counters.status,
    ladderLength: spec.ladder.length,
    ladderIndex: state.ladderIndex,
    actionTimes: state.actionTimes,
    transitionTimes: state.transitionTimes,
    limits: spec.limits,
    flapping: spec.flapping,
    settleUntil: state.settleUntil,
    gaveUp: Boolean(state.gaveUp),
    paused: Boolean(state.paused),
    maintenanceUntil: activeMaintenance(spec.maintenance, now)?.until,
    unhealthySince: state.counters.status === 'unhealthy' ? state.since : undefined,
    dependencyDownAt: state.dependencyDownAt,
    dependencyGraceMs: spec.limits.dependencyGraceMs ?? DEFAULT_DEPENDENCY_GRACE_MS,
    inDoubt: state.inDoubt,
    lastCheckAt: checkTimes.length ? Math.max(...checkTimes) : undefined,
  };
}

/** The step an operator's remediation runs: the named one, or the ladder's next (its last once climbed). */
export function manualStep(spec: HealthSpec, state: HealthCarried, action?: string): LadderStep {
  return action ? spec.ladder.find((candidate) => candidate.name === action)! : spec.ladder[Math.min(state.ladderIndex, spec.ladder.length - 1)];
}

/** Why an operator's remediation is refused, or undefined when it may run. The cap does not apply to an operator; the cooldown does. */
export function remediationRefusal(loop: HealthLoop, action: string | undefined, now: number): string | undefined {
  const { spec, state } = loop;
  if (state.paused) return `${spec.service} is paused (${state.paused.reason}); resume it first`;
  if (!spec.ladder.length) return `${spec.service} has no remediation steps`;
  if (action && !spec.ladder.some((step) => step.name === action)) {
    return `unknown action "${action}"; ${spec.service} has: ${spec.ladder.map((step) => step.name).join(', ')}`;
  }
  if (loop.acting) return 'an action is already running';
  const verdict = remediationVerdict(state.actionTimes, now, { ...spec.limits, maxActions: Number.MAX_SAFE_INTEGER });
  if (!verdict.allowed && verdict.reason === 'cooldown') return `in cooldown until ${new Date(verdict.retryAt).toISOString()}`;
  return undefined;
}

/** The pause as lists show it (from the memo, no query per service); undefined when not paused. */
export function shownPause(paused: PauseInput | undefined): PauseInput | undefined {
  return paused && { reason: paused.reason, ...(paused.by ? { by: paused.by } : {}), ...(paused.until ? { until: paused.until } : {}) };
}

/** What the `status` query answers. */
export function statusView(loop: HealthLoop, now: number): HealthStatusView {
  const { spec, state } = loop;
  return {
    service: spec.service,
    status: state.counters.status,
    since: state.since,
    round: state.round,
    consecutiveFailures: state.counters.consecutiveFailures,
    consecutiveSuccesses: state.counters.consecutiveSuccesses,
    paused: pauseOver(state.paused, now) ? undefined : state.paused,
    checks: latestViews(spec, state),
    nextCheckAt: nextDueAt(spec, state, now),
    ...(state.storage ? { storage: storageView(state.storage) } : {}),
    remediation: {
      nextStep: spec.ladder[state.ladderIndex]?.name,
      actionsInWindow: withinWindow(state.actionTimes, now, spec.limits.windowMs).length,
      maxActions: spec.limits.maxActions,
      suppressed: loop.suppressed,
      waiting: loop.waiting,
      gaveUp: state.gaveUp,
      last: state.lastAction,
    },
  };
}
