// The service health loop (health/<service>): run the checks that are due,
// judge the round (thresholds, latency anomalies), record what changed, and
// when the service is unhealthy climb its remediation ladder within limits.
// It lives forever, continuing as new with everything that must survive.
// Signals and updates only change state or ask the loop's own machinery to act.
// No outage ends it: rounds go on while PostgreSQL is away (their results wait in
// the state), and recording a change or remediating runs beside the rounds, so a
// write that waits for PostgreSQL never stops the checks.
import { allHandlersFinished, condition, continueAsNew, log, setHandler, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { afterTransition, manualStep, newHealthLoop, reconfigure, remediationRefusal, shownPause, statusView, type HealthCarried, type HealthLoop } from '../lib/core/health/loop';
import { pauseOver } from '../lib/core/health/views';
import { currentVerdict, dueSources, nextDueAt, quietWatchUntil } from '../lib/core/health/sources';
import type { HealthSpec } from '../lib/core/health/spec';
import { applyRound, type Transition } from '../lib/core/health/state';
import { evaluateDueMetrics, runDueChecks, scanDueLogs, storeBacklog, watchQuietly } from './health-sources';
import { act, remediate, report } from './health-remediation';
import { configureUpdate, healthStatusQuery, pauseSignal, remediateUpdate, resumeSignal, SEARCH_ATTRIBUTES } from './messages';
import { backlogStorage } from './proxies';
import { showSpecDigest } from './spec-memo';

export interface HealthInput {
  spec: HealthSpec;
  carried?: HealthCarried;
  /** Continue as new after this many rounds even if the server does not suggest it (tests use a small number). */
  maxRoundsPerRun?: number;
  /** Continue as new once the history has this many events (default MAX_HISTORY_EVENTS; tests use a small number). */
  maxHistoryEvents?: number;
}

const MAX_ROUNDS_PER_RUN = 500;
/**
 * Continue as new well before the server's suggestion (4,096 events / 4 MB): a worker
 * that restarts replays each loop's whole history, which must take well under a
 * second even on a busy machine (bench/replay.ts, docs/PERFORMANCE.md).
 */
export const MAX_HISTORY_EVENTS = 1_000;
export const MAX_HISTORY_BYTES = 512 * 1024;

/** Work that runs beside the rounds: the status changes still to record (in order) and the remediation in flight. */
interface SideWork {
  reports: Promise<void>;
  remediating?: Promise<void>;
  pending: number;
}

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
  setHandler(
    configureUpdate,
    (next) => {
      const changed = reconfigure(loop, next);
      showSpecDigest(next);
      return { changed };
    },
    {
      validator: (next) => {
        if (next.service !== loop.spec.service) throw new Error(`this workflow watches "${loop.spec.service}", not "${next.service}"`);
      },
    },
  );
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
  const side: SideWork = { reports: Promise.resolve(), pending: 0 };
  for (;;) {
    endPauseIfOver(loop);
    const round = await nextRound(loop);
    if (round.at !== undefined) afterRound(loop, side, judge(loop, round.at), round.at);
    await untilNextRound(loop, round.quiet);
    // Nothing may be in flight across continue-as-new: while something is, the next round asks again.
    if (runIsLong(state.round - roundsAtStart, input) && side.pending === 0) await continueAsNewWith(input, loop);
  }
}

/** Time to continue as new: the server suggests it, or the run has many rounds or a big history. */
function runIsLong(rounds: number, { maxRoundsPerRun = MAX_ROUNDS_PER_RUN, maxHistoryEvents = MAX_HISTORY_EVENTS }: HealthInput): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || rounds >= maxRoundsPerRun || info.historyLength >= maxHistoryEvents || info.historySize >= MAX_HISTORY_BYTES;
}

/**
 * Records and announces a status change (in order, from a copy of the round's state) and
 * starts a remediation unless one is running, both beside the rounds: while PostgreSQL is
 * away their writes wait, and the loop keeps checking. A failure is logged; the next
 * round decides again.
 */
function afterRound(loop: HealthLoop, side: SideWork, transition: Transition | undefined, at: number): void {
  /** Runs `work` after `before`, counted from now (continue-as-new waits for it), logging a failure. */
  const track = (before: Promise<unknown>, work: () => Promise<void>, what: string) => {
    side.pending += 1;
    return before
      .then(work)
      .catch((error: unknown) => log.warn(`${what} failed; the loop goes on`, { service: loop.spec.service, error: String(error) }))
      .finally(() => {
        side.pending -= 1;
        loop.wake = true;
      });
  };
  if (transition) {
    // The round and what failed are the judged round's; the rest (the last action a heal
    // announces, a pause) is read once the remediation in flight has ended.
    const judged = { round: loop.state.round, lastResults: { ...loop.state.lastResults } };
    const before = Promise.all([side.reports, side.remediating]);
    side.reports = track(before, () => report({ ...loop, state: { ...loop.state, ...judged } }, transition, at), 'recording a status change');
  }
  if (loop.state.counters.status !== 'unhealthy') {
    // Nothing to remedy (what remediate() would find at once): only what it held off for is over.
    loop.suppressed = undefined;
    loop.waiting = undefined;
    return;
  }
  side.remediating ??= track(Promise.resolve(), () => remediate(loop), 'remediation').then(() => {
    side.remediating = undefined;
  });
}

/**
 * Runs the next round: a quiet watch of the checks while the service is healthy
 * (many rounds in one activity, back when one would change the status), otherwise
 * the sources that are due. Returns the time of the round to judge, if one ran,
 * and whether it came from a quiet watch.
 */
async function nextRound(loop: HealthLoop): Promise<{ at?: number; quiet: boolean }> {
  const { state } = loop;
  // While PostgreSQL is away the loop runs its rounds itself: it keeps what they could not store.
  const healthy = state.counters.status === 'healthy' && state.counters.consecutiveFailures === 0 && !state.storage;
  const quietUntil = healthy ? quietWatchUntil(loop.spec, state, Date.now()) : undefined;
  const watched = quietUntil !== undefined ? await watchQuietly(loop.spec, state, state.counters, state.round + 1, quietUntil, () => loop.specChanged) : undefined;
  loop.specChanged = false;
  if (watched && 'lostRounds' in watched) state.round += watched.lostRounds;
  else if (watched) {
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
  // Once a run: the stored history of this service is kept bounded. Not while
  // PostgreSQL is away: it waits for the next run, the loop does not wait for it.
  await backlogStorage()
    .pruneHistory({ service: loop.spec.service })
    .catch((error: unknown) => log.warn('history not pruned; the next run tries again', { service: loop.spec.service, error: String(error) }));
  if (loop.state.storage?.unstored.length) await storeBacklog(loop.spec.service, loop.state);
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
