// The service health loop (health/<service>): run the checks that are due,
// judge the round (thresholds, latency anomalies), record what changed, wait for
// the next check. It lives forever, continuing as new with everything that must
// survive. Signals only change state; the loop acts.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CheckOutcome } from '../activities/health';
import { anomalyRules, initialBaseline, observe, type BaselineState } from '../lib/health/anomaly';
import type { HealthSpec } from '../lib/health/spec';
import { applyRound, INITIAL_COUNTERS, type HealthCounters } from '../lib/health/state';
import { withinWindow } from '../lib/health/limits';
import {
  configureUpdate,
  healthStatusQuery,
  pauseSignal,
  queuesOfWorkflowQueue,
  resumeSignal,
  SEARCH_ATTRIBUTES,
  type CheckView,
  type HealthStatusView,
  type PauseInput,
} from './messages';

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
}

export interface HealthInput {
  spec: HealthSpec;
  carried?: HealthCarried;
  /** Continue as new after this many rounds even if the server does not suggest it (tests use a small number). */
  maxRoundsPerRun?: number;
}

const MAX_ROUNDS_PER_RUN = 500;

function freshState(): HealthCarried {
  return { round: 0, counters: INITIAL_COUNTERS, lastResults: {}, baselines: {}, nextDue: {}, transitionTimes: [] };
}

export async function healthWorkflow(input: HealthInput): Promise<never> {
  let spec = input.spec;
  const state: HealthCarried = input.carried ?? freshState();
  const queues = queuesOfWorkflowQueue(workflowInfo().taskQueue);
  const rules = anomalyRules();
  const { recordTransition } = proxyActivities<Activities>({
    taskQueue: queues.checks,
    startToCloseTimeout: '10 seconds',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
  });
  let wake = false;

  setHandler(pauseSignal, (pause) => {
    state.paused = pause;
    wake = true;
  });
  setHandler(resumeSignal, () => {
    state.paused = undefined;
    wake = true;
  });
  setHandler(
    configureUpdate,
    (next) => {
      const changed = JSON.stringify(next) !== JSON.stringify(spec);
      if (changed) {
        spec = next;
        // Checks that are new or gone: the next round runs the new ones at once.
        const names = new Set(next.checks.map((check) => check.name));
        for (const name of Object.keys(state.nextDue)) if (!names.has(name)) delete state.nextDue[name];
        for (const name of Object.keys(state.lastResults)) if (!names.has(name)) delete state.lastResults[name];
        wake = true;
      }
      return { changed };
    },
    {
      validator: (next) => {
        if (next.service !== spec.service) throw new Error(`this workflow watches "${spec.service}", not "${next.service}"`);
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
    paused: state.paused,
    checks: spec.checks.map((check) => state.lastResults[check.name]).filter((view): view is CheckView => Boolean(view)),
    nextCheckAt: Math.min(...spec.checks.map((check) => state.nextDue[check.name] ?? Date.now())),
  }));

  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.kind, value: 'health' },
    { key: SEARCH_ATTRIBUTES.service, value: spec.service },
    { key: SEARCH_ATTRIBUTES.status, value: state.counters.status },
  ]);

  const roundsAtStart = state.round;
  for (;;) {
    const now = Date.now();
    if (state.paused?.until !== undefined && state.paused.until <= now) state.paused = undefined;

    const due = spec.checks.filter((check) => (state.nextDue[check.name] ?? 0) <= now);
    if (due.length) {
      state.round += 1;
      const outcomes = await runDueChecks(spec, due, state.round, now, queues.checks);
      const anomalous = outcomes.map((outcome) => judgeLatency(state, outcome, now, rules)).some(Boolean);
      for (const check of due) state.nextDue[check.name] = now + check.intervalMs;
      const allUp = spec.checks.every((check) => state.lastResults[check.name]?.up ?? true);
      const { counters, transition } = applyRound(state.counters, { up: allUp, anomalous }, spec.thresholds);
      state.counters = counters;
      if (transition) {
        state.since = now;
        state.transitionTimes = [...withinWindow(state.transitionTimes, now, spec.flapping.windowMs), now];
        upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.status, value: transition.to }]);
        const failing = outcomes.filter((outcome) => !outcome.up).map((outcome) => `${outcome.name}: ${outcome.detail}`);
        await recordTransition({ service: spec.service, round: state.round, ...transition, at: now, reason: failing.join('; ') || 'checks passing' });
      }
    }

    if (workflowInfo().continueAsNewSuggested || state.round - roundsAtStart >= (input.maxRoundsPerRun ?? MAX_ROUNDS_PER_RUN)) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof healthWorkflow>({ ...input, spec, carried: state });
    }

    const nextAt = Math.min(...spec.checks.map((check) => state.nextDue[check.name]));
    wake = false;
    await condition(() => wake, Math.max(1, nextAt - Date.now()));
  }
}

async function runDueChecks(spec: HealthSpec, due: HealthSpec['checks'], round: number, at: number, taskQueue: string): Promise<CheckOutcome[]> {
  // The longest a check may take: every attempt timing out, plus the backoff between them.
  const longestMs = Math.max(...due.map((check) => (check.spec.timeoutMs ?? 5_000) * ((check.spec.retry?.retries ?? 0) + 1) + (check.spec.retry?.retries ?? 0) * 5_000));
  const { runChecks } = proxyActivities<Activities>({
    taskQueue,
    startToCloseTimeout: longestMs + 10_000,
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5, nonRetryableErrorTypes: ['TypeError', 'RangeError'] },
  });
  return runChecks({ service: spec.service, round, at, checks: due.map((check) => ({ name: check.name, spec: check.spec })) });
}

/** Records the outcome and feeds its latency to the check's baseline; true when the baseline calls it degraded. */
function judgeLatency(state: HealthCarried, outcome: CheckOutcome, at: number, rules: ReturnType<typeof anomalyRules>): boolean {
  const view: CheckView = { ...outcome, at };
  let degraded = false;
  if (outcome.up) {
    const { state: baseline, verdict } = observe(state.baselines[outcome.name] ?? initialBaseline(), outcome.latencyMs, rules);
    state.baselines[outcome.name] = baseline;
    view.baseline = { samples: baseline.samples, mean: verdict.expected.mean, spread: verdict.expected.spread };
    degraded = verdict.degraded;
  }
  state.lastResults[outcome.name] = view;
  return degraded;
}
