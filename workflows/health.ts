// The service health loop (health/<service>): run the checks that are due,
// judge the round (thresholds, latency anomalies), record what changed, and
// when the service is unhealthy climb its remediation ladder within limits.
// It lives forever, continuing as new with everything that must survive.
// Signals and updates only change state or ask the loop's own machinery to act.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { afterTransition, manualStep, newHealthLoop, pauseOver, reconfigure, remediationRefusal, shownPause, statusView, type HealthCarried, type HealthLoop } from '../lib/core/health/loop';
import { currentVerdict, dueSources, nextDueAt, quietWatchUntil } from '../lib/core/health/sources';
import type { HealthSpec } from '../lib/core/health/spec';
import { applyRound, type Transition } from '../lib/core/health/state';
import { evaluateDueMetrics, runDueChecks, scanDueLogs, watchQuietly } from './health-sources';
import { act, remediate, report } from './health-remediation';
import { configureUpdate, healthStatusQuery, pauseSignal, remediateUpdate, resumeSignal, SEARCH_ATTRIBUTES } from './messages';
import { storage } from './proxies';

export interface HealthInput {
  spec: HealthSpec;
  carried?: HealthCarried;
  /** Continue as new after this many rounds even if the server does not suggest it (tests use a small number). */
  maxRoundsPerRun?: number;
}

const MAX_ROUNDS_PER_RUN = 500;

export async function healthWorkflow(input: HealthInput): Promise<never> {
  const loop = newHealthLoop(input.spec, input.carried);
  const { state } = loop;

  setHandler(pauseSignal, (pause) => {
    state.paused = pause;
    showPause(loop);
    loop.wake = true;
  });
  setHandler(resumeSignal, () => {
    state.paused = undefined;
    showPause(loop);
    loop.wake = true;
  });
  setHandler(configureUpdate, (next) => ({ changed: reconfigure(loop, next) }), {
    validator: (next) => {
      if (next.service !== loop.spec.service) throw new Error(`this workflow watches "${loop.spec.service}", not "${next.service}"`);
    },
  });
  setHandler(
    remediateUpdate,
    async ({ action, reason, by }) => {
      const result = await act(loop, manualStep(loop.spec, state, action), by ?? 'operator', reason);
      loop.wake = true;
      return result;
    },
    {
      validator: ({ action }) => {
        const refusal = remediationRefusal(loop, action, Date.now());
        if (refusal) throw new Error(refusal);
      },
    },
  );
  setHandler(healthStatusQuery, () => statusView(loop, Date.now()));

  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTES.kind, value: 'health' },
    { key: SEARCH_ATTRIBUTES.service, value: loop.spec.service },
    { key: SEARCH_ATTRIBUTES.status, value: state.counters.status },
  ]);
  showPause(loop);

  const roundsAtStart = state.round;
  for (;;) {
    endPauseIfOver(loop);
    const round = await nextRound(loop);
    if (round.at !== undefined) {
      const transition = judge(loop, round.at);
      // Recording and announcing a change must not delay the remedy.
      await Promise.all([report(loop, transition, round.at), remediate(loop)]);
    }
    if (workflowInfo().continueAsNewSuggested || state.round - roundsAtStart >= (input.maxRoundsPerRun ?? MAX_ROUNDS_PER_RUN)) {
      await continueAsNewWith(input, loop);
    }
    await untilNextRound(loop, round.quiet);
  }
}

/**
 * Runs the next round: a quiet watch of the checks while the service is healthy
 * (many rounds in one activity, back when one would change the status), otherwise
 * the sources that are due. Returns the time of the round to judge, if one ran,
 * and whether it came from a quiet watch.
 */
async function nextRound(loop: HealthLoop): Promise<{ at?: number; quiet: boolean }> {
  const { state } = loop;
  const healthy = state.counters.status === 'healthy' && state.counters.consecutiveFailures === 0;
  const quietUntil = healthy ? quietWatchUntil(loop.spec, state, Date.now()) : undefined;
  const watched = quietUntil !== undefined ? await watchQuietly(loop.spec, state, state.counters, state.round + 1, quietUntil, () => loop.specChanged) : undefined;
  loop.specChanged = false;
  if (watched) {
    if (!watched.verdicts.length) return { quiet: false };
    // No round of the watch but the last changed the status; the last one is judged like any round.
    for (const verdict of watched.verdicts.slice(0, -1)) state.counters = applyRound(state.counters, verdict, loop.spec.thresholds).counters;
    state.round += watched.verdicts.length;
    return { at: watched.lastRoundAt ?? Date.now(), quiet: true };
  }
  // Taken now, not before the watch: an interrupted watch may have come back with a new spec.
  const at = Date.now();
  const due = dueSources(loop.spec, state, at);
  if (!due.checks.length && !due.logs.length && !due.metrics.length) return { quiet: false };
  state.round += 1;
  if (due.checks.length) await runDueChecks(loop.spec, due.checks, state.round, at, state);
  if (due.logs.length) await scanDueLogs(loop.spec, due.logs, at, state);
  if (due.metrics.length) await evaluateDueMetrics(loop.spec, due.metrics, at, state);
  return { at, quiet: false };
}

/** Judges the service from the latest view of every source; returns the status change, if any. */
function judge(loop: HealthLoop, at: number): Transition | undefined {
  const { spec, state } = loop;
  const { counters, transition } = applyRound(state.counters, currentVerdict(spec, state, at), spec.thresholds);
  state.counters = counters;
  if (!transition) return undefined;
  Object.assign(state, afterTransition(state, transition.to, at, spec.flapping));
  upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.status, value: transition.to }]);
  return transition;
}

/** Sleeps until the next source is due or a signal or update wakes the loop. */
async function untilNextRound(loop: HealthLoop, afterQuietWatch: boolean): Promise<void> {
  const nextAt = nextDueAt(loop.spec, loop.state, Date.now());
  loop.wake = false;
  // After a quiet watch the next one waits for its first round itself: no timer needed.
  if (afterQuietWatch && loop.state.counters.status === 'healthy' && quietWatchUntil(loop.spec, loop.state, Date.now()) !== undefined) return;
  // A service with nothing to check (only signals and updates) sleeps until woken.
  if (Number.isFinite(nextAt)) await condition(() => loop.wake, Math.max(1, nextAt - Date.now()));
  else await condition(() => loop.wake);
}

async function continueAsNewWith(input: HealthInput, loop: HealthLoop): Promise<never> {
  await condition(allHandlersFinished);
  // Once a run: the stored history of this service is kept bounded.
  await storage().pruneHistory({ service: loop.spec.service });
  return continueAsNew<typeof healthWorkflow>({ ...input, spec: loop.spec, carried: loop.state });
}

function endPauseIfOver(loop: HealthLoop): void {
  if (!pauseOver(loop.state.paused, Date.now())) return;
  loop.state.paused = undefined;
  showPause(loop);
}

/** Lists (GET /services, the dashboard) read the pause from the memo: no query per service. */
function showPause(loop: HealthLoop): void {
  const shown = shownPause(loop.state.paused);
  if (JSON.stringify(shown) === JSON.stringify(workflowInfo().memo?.paused)) return;
  upsertMemo({ paused: shown ?? null });
}
