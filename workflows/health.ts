// The service health loop (health/<service>): run the checks that are due,
// judge the round (thresholds, latency anomalies), record what changed, and
// when the service is unhealthy climb its remediation ladder within limits.
// It lives forever, continuing as new with everything that must survive.
// Signals and updates only change state or ask the loop's own machinery to act.
import {
  allHandlersFinished,
  condition,
  log,
  continueAsNew,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ActionResult } from '../activities/actions';
import type { BaselineState } from '../lib/core/health/anomaly';
import { decide } from '../lib/core/health/decide';
import { isFlapping, remediationVerdict, withinWindow } from '../lib/core/health/limits';
import { activeMaintenance } from '../lib/core/health/maintenance';
import type { HealthSpec, LadderStep } from '../lib/core/health/spec';
import { applyRound, INITIAL_COUNTERS, type HealthCounters, type HealthStatus } from '../lib/core/health/state';
import type { LogCursor } from '../lib/core/logwatch/types';
import { NON_RETRYABLE_NOTIFY_ERROR } from '../lib/core/notify/types';
import {
  configureUpdate,
  healthStatusQuery,
  pauseSignal,
  queuesOfWorkflowQueue,
  remediateUpdate,
  resumeSignal,
  SEARCH_ATTRIBUTES,
  type CheckView,
  type HealthStatusView,
  type PauseInput,
  type RemediationView,
} from './messages';
import { healthFeatures, currentVerdict, quietWatchUntil, watchQuietly, dueSources, evaluateDueMetrics, forgetRemovedSources, nextDueAt, runDueChecks, scanDueLogs, sources } from './health-sources';

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
  /** Where each log watch got to in its file. */
  logCursors?: Record<string, LogCursor>;
  /** Since when each metric policy's condition has held. */
  policyPending?: Record<string, number>;
}

export interface HealthInput {
  spec: HealthSpec;
  carried?: HealthCarried;
  /** Continue as new after this many rounds even if the server does not suggest it (tests use a small number). */
  maxRoundsPerRun?: number;
}

const MAX_ROUNDS_PER_RUN = 500;

function freshState(): HealthCarried {
  return { round: 0, counters: INITIAL_COUNTERS, lastResults: {}, baselines: {}, nextDue: {}, transitionTimes: [], ladderIndex: 0, actionTimes: [], decisions: 0 };
}

export async function healthWorkflow(input: HealthInput): Promise<never> {
  const features = healthFeatures();
  let spec = input.spec;
  const state: HealthCarried = { ...freshState(), ...input.carried };
  const { workflowId, taskQueue } = workflowInfo();
  const queues = queuesOfWorkflowQueue(taskQueue);
  const { recordTransition, dependencyStatuses, pruneHistory } = proxyActivities<Activities>({
    taskQueue: queues.checks,
    startToCloseTimeout: '10 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  });
  const { notify } = proxyActivities<Activities>({
    taskQueue: queues.actions,
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '2 seconds', maximumInterval: '30 seconds', maximumAttempts: 5, nonRetryableErrorTypes: [NON_RETRYABLE_NOTIFY_ERROR] },
  });
  let wake = false;
  let specChanged = false;
  let acting = false;
  let suppressed: string | undefined;
  let waiting: { until: number; reason: string } | undefined;

  /** Runs one ladder step exactly once (keyed by workflow id + decision number). */
  async function act(step: LadderStep, decidedBy: string, reason: string): Promise<RemediationView> {
    acting = true;
    try {
      state.decisions += 1;
      const key = `${workflowId}/${state.decisions}`;
      const at = Date.now();
      state.actionTimes = [...withinWindow(state.actionTimes, at, spec.limits.windowMs), at];
      const { runAction } = proxyActivities<Activities>({
        taskQueue: queues.actions,
        startToCloseTimeout: ('timeoutMs' in step.action ? step.action.timeoutMs : 10_000) + 30_000,
        heartbeatTimeout: '10 seconds',
        // Safe to retry: the key makes a repeated call return the first result instead of acting again.
        retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 10 },
      });
      const result: ActionResult = await runAction({ key, service: spec.service, step: step.name, action: step.action, decidedBy, reason });
      state.lastAction = { key, step: step.name, status: result.status, detail: result.detail, at, decidedBy };
      state.settleUntil = Date.now() + step.settleMs;
      return state.lastAction;
    } finally {
      acting = false;
    }
  }

  async function giveUp(reason: string): Promise<void> {
    const at = Date.now();
    // The hand-off goes into the audit trail (and to the notifiers) like any action.
    const handOff = await act({ name: 'give-up', action: { type: 'notify', message: `gave up on ${spec.service}: ${reason}` }, settleMs: 0 }, 'vigil', reason);
    // Shown once the triage has started, so the view never has a hand-off without its triage.
    const triageId = features.triageHandOff ? await startTriage(reason, handOff.key) : undefined;
    state.gaveUp = { at, reason, ...(triageId ? { triageId } : {}) };
  }

  /** Hands the service to an alert triage; keyed by the give-up decision, so a retry never starts two. */
  async function startTriage(reason: string, key: string): Promise<string | undefined> {
    const { startServiceTriage } = proxyActivities<Activities>({
      taskQueue: queues.actions,
      startToCloseTimeout: '30 seconds',
      retry: { initialInterval: '2 seconds', maximumInterval: '30 seconds', maximumAttempts: 5, nonRetryableErrorTypes: ['TriageNotAvailable'] },
    });
    const details = Object.values(state.lastResults).filter((view) => !view.up).map((view) => `${view.name}: ${view.detail}`);
    try {
      return (await startServiceTriage({ service: spec.service, reason, details, key })).triageId;
    } catch (error) {
      log.warn('could not start a triage', { service: spec.service, error: String(error) });
      return undefined;
    }
  }

  /** Tells people when a service goes down or comes back; maintenance and pauses stay quiet. */
  async function announce(from: HealthStatus, to: HealthStatus, failing: string[], now: number): Promise<void> {
    const kind = to === 'unhealthy' ? 'unhealthy' : from === 'unhealthy' ? 'healed' : undefined;
    if (!kind || state.paused || activeMaintenance(spec.maintenance, now)) return;
    const summary = kind === 'unhealthy' ? `${spec.service} is unhealthy` : `${spec.service} is ${to} again${state.lastAction ? ` after ${state.lastAction.step}` : ''}`;
    try {
      await notify({ event: { kind, service: spec.service, status: to, at: now, summary, details: failing } });
    } catch (error) {
      log.warn('notification not delivered', { service: spec.service, error: String(error) });
    }
  }

  async function unhealthyDependencies(): Promise<string[]> {
    if (!spec.dependsOn.length) return [];
    const statuses = await dependencyStatuses({ services: spec.dependsOn });
    return spec.dependsOn.filter((name) => statuses[name] === 'unhealthy');
  }

  async function remediate(now: number): Promise<void> {
    suppressed = undefined;
    waiting = undefined;
    if (acting || state.counters.status !== 'unhealthy' || state.gaveUp || !spec.ladder.length) return;
    const decision = decide({
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
      unhealthyDependencies: state.paused ? [] : await unhealthyDependencies(),
    });
    if (decision.kind === 'suppressed') suppressed = decision.reason;
    else if (decision.kind === 'wait') waiting = { until: decision.until, reason: decision.reason };
    else if (decision.kind === 'give-up') await giveUp(decision.reason);
    else if (decision.kind === 'act') {
      const step = spec.ladder[decision.step];
      state.ladderIndex = decision.step + 1;
      const failing = Object.values(state.lastResults).filter((view) => !view.up);
      await act(step, 'vigil', failing.map((view) => `${view.name}: ${view.detail}`).join('; ') || 'unhealthy');
    }
  }

  /** Judges the service from the latest view of every source; records, announces and remediates a change. */
  async function judgeRound(now: number): Promise<void> {
    const { counters, transition } = applyRound(state.counters, currentVerdict(spec, state, features.countFailuresOnce ? now : undefined), spec.thresholds);
    state.counters = counters;
    if (transition) {
      state.since = now;
      state.transitionTimes = [...withinWindow(state.transitionTimes, now, spec.flapping.windowMs), now];
      // A hand-off for flapping stands while the service keeps flapping: each bounce must not give up (and notify) again.
      const handOffStands = state.gaveUp && isFlapping(state.transitionTimes, now, spec.flapping) && features.flapHandOffStands;
      if ((transition.to === 'healthy' || transition.to === 'degraded') && !handOffStands) {
        // Healed (by us or by itself): the next incident starts at the bottom of the ladder.
        state.ladderIndex = 0;
        state.settleUntil = undefined;
        state.gaveUp = undefined;
      }
      upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.status, value: transition.to }]);
      const failing = sources(spec)
        .map(({ name }) => state.lastResults[name])
        .filter((view) => view && !view.up)
        .map((view) => `${view.name}: ${view.detail}`);
      const report = async () => {
        await recordTransition({ service: spec.service, round: state.round, ...transition, at: now, reason: failing.join('; ') || 'checks passing' });
        await announce(transition.from, transition.to, failing, now);
      };
      // Recording and announcing the change must not delay the remedy.
      if (features.reportBesideRemediation) await Promise.all([report(), remediate(Date.now())]);
      else {
        await report();
        await remediate(Date.now());
      }
    } else await remediate(Date.now());
  }

  /** Lists (GET /services, the dashboard) read the pause from the memo: no query per service. */
  function showPause(): void {
    if (!features.pauseMemo) return;
    const shown = state.paused && { reason: state.paused.reason, ...(state.paused.by ? { by: state.paused.by } : {}), ...(state.paused.until ? { until: state.paused.until } : {}) };
    if (JSON.stringify(shown) === JSON.stringify(workflowInfo().memo?.paused)) return;
    upsertMemo({ paused: shown ?? null });
  }

  setHandler(pauseSignal, (pause) => {
    state.paused = pause;
    showPause();
    wake = true;
  });
  setHandler(resumeSignal, () => {
    state.paused = undefined;
    showPause();
    wake = true;
  });
  setHandler(
    configureUpdate,
    (next) => {
      const changed = JSON.stringify(next) !== JSON.stringify(spec);
      if (changed) {
        spec = next;
        // Sources that are gone are forgotten; new ones run in the next round.
        forgetRemovedSources(next, state);
        state.ladderIndex = Math.min(state.ladderIndex, next.ladder.length);
        wake = true;
        specChanged = true;
      }
      return { changed };
    },
    {
      validator: (next) => {
        if (next.service !== spec.service) throw new Error(`this workflow watches "${spec.service}", not "${next.service}"`);
      },
    },
  );
  setHandler(
    remediateUpdate,
    async ({ action, reason, by }) => {
      const step = action ? spec.ladder.find((candidate) => candidate.name === action)! : spec.ladder[Math.min(state.ladderIndex, spec.ladder.length - 1)];
      const result = await act(step, by ?? 'operator', reason);
      wake = true;
      return result;
    },
    {
      validator: ({ action }) => {
        if (state.paused) throw new Error(`${spec.service} is paused (${state.paused.reason}); resume it first`);
        if (!spec.ladder.length) throw new Error(`${spec.service} has no remediation steps`);
        if (action && !spec.ladder.some((step) => step.name === action)) {
          throw new Error(`unknown action "${action}"; ${spec.service} has: ${spec.ladder.map((step) => step.name).join(', ')}`);
        }
        if (acting) throw new Error('an action is already running');
        const verdict = remediationVerdict(state.actionTimes, Date.now(), { ...spec.limits, maxActions: Number.MAX_SAFE_INTEGER });
        if (!verdict.allowed && verdict.reason === 'cooldown') throw new Error(`in cooldown until ${new Date(verdict.retryAt).toISOString()}`);
      },
    },
  );
  setHandler(healthStatusQuery, (): HealthStatusView => ({
    service: spec.service,
    status: state.counters.status,
    since: state.since,
    round: state.round,
    consecutiveFailures: state.counters.consecutiveFailures,
    consecutiveSuccesses: state.counters.consecutiveSuccesses,
    // A pause whose time has passed is over, even before the loop comes round to clear it.
    paused: state.paused?.until !== undefined && state.paused.until <= Date.now() ? undefined : state.paused,
    checks: sources(spec)
      .map(({ name }) => state.lastResults[name])
      .filter((view): view is CheckView => Boolean(view)),
    nextCheckAt: nextDueAt(spec, state, Date.now()),
    remediation: {
      nextStep: spec.ladder[state.ladderIndex]?.name,
      actionsInWindow: withinWindow(state.actionTimes, Date.now(), spec.limits.windowMs).length,
      maxActions: spec.limits.maxActions,
      suppressed,
      waiting,
      gaveUp: state.gaveUp,
      last: state.lastAction,
    },
  }));

  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.kind, value: 'health' },
    { key: SEARCH_ATTRIBUTES.service, value: spec.service },
    { key: SEARCH_ATTRIBUTES.status, value: state.counters.status },
  ]);
  showPause();

  const roundsAtStart = state.round;
  for (;;) {
    const now = Date.now();
    if (state.paused?.until !== undefined && state.paused.until <= now) {
      state.paused = undefined;
      showPause();
    }

    const quietUntil = state.counters.status === 'healthy' && state.counters.consecutiveFailures === 0 ? quietWatchUntil(spec, state, now) : undefined;
    const watched = quietUntil !== undefined && features.quietWatch ? await watchQuietly(spec, state, state.counters, state.round + 1, quietUntil, queues.watch, () => specChanged) : undefined;
    specChanged = false;
    if (watched?.verdicts.length) {
      // No round of the watch but the last changed the status; the last one is judged like any round.
      for (const verdict of watched.verdicts.slice(0, -1)) state.counters = applyRound(state.counters, verdict, spec.thresholds).counters;
      state.round += watched.verdicts.length;
      await judgeRound(watched.lastRoundAt ?? Date.now());
    } else if (!watched) {
      // Taken now, not before the watch: an interrupted watch may have come back with a new spec.
      const roundAt = Date.now();
      const due = dueSources(spec, state, roundAt);
      if (due.checks.length || due.logs.length || due.metrics.length) {
        state.round += 1;
        if (due.checks.length) await runDueChecks(spec, due.checks, state.round, roundAt, state, queues.checks, features.localProbes);
        if (due.logs.length) await scanDueLogs(spec, due.logs, roundAt, state, queues.checks);
        if (due.metrics.length) await evaluateDueMetrics(spec, due.metrics, roundAt, state, queues.checks);
        await judgeRound(roundAt);
      }
    }

    if (workflowInfo().continueAsNewSuggested || state.round - roundsAtStart >= (input.maxRoundsPerRun ?? MAX_ROUNDS_PER_RUN)) {
      await condition(allHandlersFinished);
      // Once a run: the stored history of this service is kept bounded.
      await pruneHistory({ service: spec.service });
      await continueAsNew<typeof healthWorkflow>({ ...input, spec, carried: state });
    }

    const nextAt = nextDueAt(spec, state, Date.now());
    wake = false;
    // After a quiet watch the next one waits for its first round itself: no timer needed.
    if (watched?.verdicts.length && state.counters.status === 'healthy' && quietWatchUntil(spec, state, Date.now()) !== undefined) continue;
    // A service with nothing to check (only signals and updates) sleeps until woken.
    if (Number.isFinite(nextAt)) await condition(() => wake, Math.max(1, nextAt - Date.now()));
    else await condition(() => wake);
  }
}
