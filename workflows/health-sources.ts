// Runs the health loop's due sources through activities and turns what they
// return into CheckViews in the loop's state: checks (probes), log watches
// (log:<name>), metric policies (metric:<name>), or a quiet watch that runs
// many check rounds in one activity. Which sources are due, and the verdict
// from their views, are pure decisions in lib/core/health/sources.ts.
// PostgreSQL (or the network) being away never ends a round: results that could
// not be stored wait in the state (lib/core/health/storage.ts) and go in with
// the first round that stores again; a read that fails keeps the source's last
// view and its schedule.
import { CancellationScope, condition, log } from '@temporalio/workflow';
import { anomalyRules } from '../lib/core/health/anomaly';
import { describeSelector, judgeCondition } from '../lib/core/health/metric-policy';
import { logKey, longestProbeMs, metricKey, observeBaseline, quietWatchRoundsAtMost, type SourceState } from '../lib/core/health/sources';
import type { HealthSpec } from '../lib/core/health/spec';
import type { HealthCounters, RoundOutcome } from '../lib/core/health/state';
import { storageFailed, storageRecovered, type CheckOutcome } from '../lib/core/health/storage';
import type { CheckView } from '../lib/core/health/views';
import { backlogStorage, probes, readers, watcher } from './proxies';

/** A round of probes that may take longer than this runs as a regular activity. */
const LOCAL_PROBE_MAX_MS = 5_000;

export async function runDueChecks(spec: HealthSpec, due: HealthSpec['checks'], round: number, at: number, state: SourceState): Promise<void> {
  const longestMs = longestProbeMs(due);
  const { runChecks } = probes(longestMs, longestMs <= LOCAL_PROBE_MAX_MS);
  for (const check of due) state.nextDue[check.name] = at + check.intervalMs;
  let outcomes: CheckOutcome[];
  try {
    const result = await runChecks({ service: spec.service, round, at, checks: due.map((check) => ({ name: check.name, spec: check.spec })) });
    outcomes = result.outcomes;
    if (!result.stored) state.storage = storageFailed(state.storage, at, { round, at, results: outcomes });
    else await storeBacklog(spec.service, state);
  } catch (error) {
    // Only a fault of Vigil's own (the probes cannot reach PostgreSQL's failure) ends up here: the next round tries again.
    log.warn('check round failed; trying again at the next interval', { service: spec.service, round, error: String(error) });
    return;
  }
  const rules = spec.latencyAnomaly === false ? undefined : anomalyRules(spec.latencyAnomaly);
  for (const outcome of outcomes) {
    const view: CheckView = { ...outcome, at };
    // Only a passing probe's latency says something about the service's usual speed.
    if (outcome.up && rules) Object.assign(view, observeBaseline(state, outcome.name, outcome.latencyMs, rules));
    state.lastResults[outcome.name] = view;
  }
}

/** After a round that stored: the rounds PostgreSQL missed go in too; if that fails they wait for the next round. */
export async function storeBacklog(service: string, state: SourceState): Promise<void> {
  const backlog = state.storage?.unstored ?? [];
  if (backlog.length) {
    try {
      await backlogStorage().storeCheckRounds({ service, rounds: backlog });
    } catch (error) {
      log.warn('stored rounds of the outage not written yet', { service, rounds: backlog.length, error: String(error) });
      return;
    }
    // Rounds added meanwhile (none: the loop runs one round at a time) would stay.
    state.storage = { ...state.storage!, unstored: state.storage!.unstored.slice(backlog.length) };
  }
  state.storage = storageRecovered(state.storage);
}

/** Scans the due log watches; each becomes a result named log:<name> (up while under its threshold). */
export async function scanDueLogs(spec: HealthSpec, due: NonNullable<HealthSpec['logs']>, at: number, state: SourceState): Promise<void> {
  const cursors = (state.logCursors ??= {});
  for (const watch of due) state.nextDue[logKey(watch.name)] = at + watch.intervalMs;
  let scanned;
  try {
    scanned = await readers('30 seconds').scanLogs({ service: spec.service, at, watches: due.map((watch) => ({ name: watch.name, spec: watch.spec, cursor: cursors[watch.name] ?? null })) });
  } catch (error) {
    // The cursors stay where they were: the next scan reads what this one missed.
    log.warn('log scan failed; its last view stands', { service: spec.service, error: String(error) });
    return;
  }
  for (const scan of scanned) {
    const watch = due.find((candidate) => candidate.name === scan.name)!;
    cursors[scan.name] = scan.cursor;
    state.nextDue[logKey(scan.name)] = at + watch.intervalMs;
    const outcome: CheckOutcome = { name: logKey(scan.name), up: !scan.over, latencyMs: 0, attempts: 1, detail: scan.detail };
    // Still over with no new match: the matched line that put it over stays as the evidence.
    const evidence = state.lastResults[outcome.name]?.up === false ? state.lastResults[outcome.name].detail.split(' — ')[1] : undefined;
    if (scan.over && !scan.evidence.length && evidence) outcome.detail = `${scan.detail} — ${evidence}`.slice(0, 300);
    state.lastResults[outcome.name] = { ...outcome, at };
  }
}

/** Evaluates the due metric policies: a firing `when` is a failure, an anomalous aggregate makes the service degraded. */
export async function evaluateDueMetrics(spec: HealthSpec, due: NonNullable<HealthSpec['metrics']>, at: number, state: SourceState): Promise<void> {
  for (const policy of due) state.nextDue[metricKey(policy.name)] = at + policy.intervalMs;
  let readings;
  try {
    readings = await readers('15 seconds').readMetricPolicies({
      service: spec.service,
      at,
      queries: due.map((policy) => ({ name: policy.name, selector: policy.condition ?? policy.anomaly!.selector, windowMs: policy.windowMs })),
    });
  } catch (error) {
    // The samples live in PostgreSQL: the policies keep their last view until it answers again.
    log.warn('metric policies not read; their last view stands', { service: spec.service, error: String(error) });
    state.storage = storageFailed(state.storage, at);
    return;
  }
  if (state.storage && !state.storage.unstored.length) state.storage = undefined;
  const pending = (state.policyPending ??= {});
  for (const reading of readings) {
    const policy = due.find((candidate) => candidate.name === reading.name)!;
    const name = metricKey(policy.name);
    state.nextDue[name] = at + policy.intervalMs;
    const view: CheckView = { name, up: true, latencyMs: 0, attempts: 1, detail: '', at };
    if (policy.condition) {
      const judgement = judgeCondition(policy.condition, reading.value, reading.samples, at, pending[name]);
      if (judgement.pendingSince === undefined) delete pending[name];
      else pending[name] = judgement.pendingSince;
      Object.assign(view, { up: !judgement.firing, detail: judgement.detail });
    } else if (reading.value === null) {
      view.detail = `no samples of ${policy.anomaly!.selector.metric} in the window`;
    } else {
      const judged = observeBaseline(state, name, reading.value, anomalyRules(policy.anomaly!.rules));
      Object.assign(view, judged, { detail: `${describeSelector(policy.anomaly!.selector)} = ${reading.value}${judged.degraded ? ', anomalous against its baseline' : ''}` });
    }
    state.lastResults[name] = view;
  }
}

/**
 * Runs a quiet watch (activities/watch.ts) and takes in what it saw. Returns the rounds it
 * ran and the time of the last one, or, when it was interrupted (`interrupted()` turned
 * true, e.g. the spec changed) or failed, how many round numbers it may have used: the
 * loop skips them (its rows must never be overwritten) and runs its rounds itself.
 */
export async function watchQuietly(
  spec: HealthSpec,
  state: SourceState,
  counters: HealthCounters,
  firstRound: number,
  until: number,
  interrupted: () => boolean,
): Promise<{ verdicts: RoundOutcome[]; lastRoundAt?: number } | { lostRounds: number }> {
  const longestMs = longestProbeMs(spec.checks);
  const longestIntervalMs = Math.max(...spec.checks.map((check) => check.intervalMs));
  const roundsAtMost = quietWatchRoundsAtMost(spec, state, Date.now(), until);
  const { watchChecks } = watcher(Math.max(0, until - Date.now()) + longestMs + 30_000, longestIntervalMs + longestMs + 10_000);
  // Both waits live in one scope: cancelling it after the race drops whichever is still pending.
  const scope = new CancellationScope();
  let watching!: ReturnType<typeof watchChecks>;
  let interruption!: Promise<void>;
  await scope.run(async () => {
    watching = watchChecks({
      service: spec.service,
      firstRound,
      checks: spec.checks.map((check) => ({ name: check.name, spec: check.spec, intervalMs: check.intervalMs, nextDue: state.nextDue[check.name] ?? 0 })),
      baselines: Object.fromEntries(spec.checks.filter((check) => state.baselines[check.name]).map((check) => [check.name, state.baselines[check.name]])),
      latencyAnomaly: spec.latencyAnomaly ?? {},
      until,
      counters,
      thresholds: spec.thresholds,
    });
    interruption = condition(interrupted);
  });
  const settled = [
    watching.catch((error: unknown) => error as Error),
    interruption.then(
      () => undefined,
      () => undefined,
    ),
  ];
  const result = await Promise.race(settled);
  scope.cancel();
  await Promise.all(settled);
  if (result === undefined || result instanceof Error) {
    if (result instanceof Error) log.warn('quiet watch failed; running rounds in the loop', { service: spec.service, error: String(result) });
    return { lostRounds: roundsAtMost };
  }
  for (const [name, view] of Object.entries(result.last)) state.lastResults[name] = view;
  Object.assign(state.nextDue, result.nextDue);
  Object.assign(state.baselines, result.baselines);
  if (result.unstored) state.storage = storageFailed(state.storage, result.unstored.at, result.unstored);
  return { verdicts: result.verdicts, lastRoundAt: result.lastRoundAt };
}
