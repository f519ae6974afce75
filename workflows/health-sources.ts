// What the health loop watches, as "sources" that each yield a result per
// evaluation: checks (probes), log watches (log:<name>) and metric policies
// (metric:<name>). This file runs the due ones through activities and turns
// what they return into CheckViews in the loop's state; the loop then judges
// the service from the latest view of every source.
import { CancellationScope, condition, log, patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CheckOutcome } from '../activities/health';
import { anomalyRules, initialBaseline, observe, type AnomalyRules, type BaselineState } from '../lib/core/health/anomaly';
import { describeSelector, judgeCondition } from '../lib/core/health/metric-policy';
import type { HealthSpec } from '../lib/core/health/spec';
import type { HealthCounters, RoundOutcome } from '../lib/core/health/state';
import type { LogCursor } from '../lib/core/logwatch/types';
import type { CheckView } from './messages';

/** The part of the loop's carried state that sources read and write. */
export interface SourceState {
  lastResults: Record<string, CheckView>;
  baselines: Record<string, BaselineState>;
  nextDue: Record<string, number>;
  logCursors?: Record<string, LogCursor>;
  /** Since when each `when` policy's condition has held (it fires after its `for`). */
  policyPending?: Record<string, number>;
}

/**
 * Workflow code changes that old histories must replay without. The loop asks
 * `patched()` for all of them once, first thing in a run, so every marker sits at
 * the start of the history: a run begun by older code keeps the older behaviour
 * until it continues as new, and no marker lands between a local activity and
 * the commands that follow it.
 */
export const HEALTH_PATCHES = {
  localProbes: 'health-local-probes',
  reportBesideRemediation: 'health-report-beside-remediation',
  flapHandOffStands: 'health-flap-hand-off-stands',
  quietWatch: 'health-quiet-watch',
  triageHandOff: 'health-triage-hand-off',
  pauseMemo: 'health-pause-memo',
  countFailuresOnce: 'health-count-failures-once',
} as const;

/** A round of probes that may take longer than this runs as a regular activity. */
const LOCAL_PROBE_MAX_MS = 5_000;

/**
 * A quiet watch reports back after at most this long or this many rounds of the
 * fastest check, whichever comes first: the status view is never staler than that.
 */
export const QUIET_WATCH_MAX_MS = 60_000;
export const QUIET_WATCH_MAX_ROUNDS = 10;

export const logKey = (name: string) => `log:${name}`;
export const metricKey = (name: string) => `metric:${name}`;

/** Every source of the spec as (result name, interval). */
export function sources(spec: HealthSpec): { name: string; intervalMs: number }[] {
  return [
    ...spec.checks.map((check) => ({ name: check.name, intervalMs: check.intervalMs })),
    ...(spec.logs ?? []).map((watch) => ({ name: logKey(watch.name), intervalMs: watch.intervalMs })),
    ...(spec.metrics ?? []).map((policy) => ({ name: metricKey(policy.name), intervalMs: policy.intervalMs })),
  ];
}

export function dueSources(spec: HealthSpec, state: SourceState, now: number) {
  const due = (name: string) => (state.nextDue[name] ?? 0) <= now;
  return {
    checks: spec.checks.filter((check) => due(check.name)),
    logs: (spec.logs ?? []).filter((watch) => due(logKey(watch.name))),
    metrics: (spec.metrics ?? []).filter((policy) => due(metricKey(policy.name))),
  };
}

/**
 * The service's verdict from the latest view of every source: all up? anything
 * anomalous? Given the round's time, a round that is down only on views from
 * earlier rounds says so (`repeatsEarlierFailure`): it must not count again.
 */
export function currentVerdict(spec: HealthSpec, state: SourceState, roundAt?: number): RoundOutcome {
  const views = sources(spec).map(({ name }) => state.lastResults[name]);
  const verdict: RoundOutcome = { up: views.every((view) => view?.up ?? true), anomalous: views.some((view) => view?.degraded ?? false) };
  if (roundAt === undefined || verdict.up || views.some((view) => view && !view.up && view.at === roundAt)) return verdict;
  return { ...verdict, repeatsEarlierFailure: true };
}

/** When the next source is due; Infinity when there is nothing to evaluate. */
export function nextDueAt(spec: HealthSpec, state: SourceState, now: number): number {
  return Math.min(...sources(spec).map(({ name }) => state.nextDue[name] ?? now));
}

/** Forgets the state of sources the spec no longer has. */
export function forgetRemovedSources(spec: HealthSpec, state: SourceState): void {
  const names = new Set(sources(spec).map(({ name }) => name));
  for (const record of [state.nextDue, state.lastResults, state.baselines, state.policyPending ?? {}]) {
    for (const name of Object.keys(record)) if (!names.has(name)) delete record[name];
  }
}

export type HealthFeatures = { [K in keyof typeof HEALTH_PATCHES]: boolean };

/** Asks `patched()` once for each change; call it at the very start of a run. */
export function healthFeatures(): HealthFeatures {
  return Object.fromEntries(Object.entries(HEALTH_PATCHES).map(([feature, id]) => [feature, patched(id)])) as HealthFeatures;
}

export async function runDueChecks(spec: HealthSpec, due: HealthSpec['checks'], round: number, at: number, state: SourceState, taskQueue: string, localProbes: boolean): Promise<CheckOutcome[]> {
  // The longest a check may take: every attempt timing out, plus the backoff between them.
  const longestMs = Math.max(...due.map((check) => (check.spec.timeoutMs ?? 5_000) * ((check.spec.retry?.retries ?? 0) + 1) + (check.spec.retry?.retries ?? 0) * 5_000));
  const retry = { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5, nonRetryableErrorTypes: ['TypeError', 'RangeError'] };
  // Short probes run as local activities: no task-queue round trip, one marker event
  // instead of three. They are read-only (their rows are upserts keyed by round), so
  // running one again after a worker crash is harmless. Long ones keep the checks queue,
  // where they neither hold up the workflow task nor run on the workflow worker.
  const { runChecks } =
    localProbes && longestMs <= LOCAL_PROBE_MAX_MS
      ? proxyLocalActivities<Activities>({ startToCloseTimeout: longestMs + 2_000, retry })
      : proxyActivities<Activities>({ taskQueue, startToCloseTimeout: longestMs + 10_000, retry });
  const outcomes = await runChecks({ service: spec.service, round, at, checks: due.map((check) => ({ name: check.name, spec: check.spec })) });
  const rules = spec.latencyAnomaly === false ? undefined : anomalyRules(spec.latencyAnomaly);
  for (const outcome of outcomes) {
    const view: CheckView = { ...outcome, at };
    // Only a passing probe's latency says something about the service's usual speed.
    if (outcome.up && rules) Object.assign(view, observeBaseline(state, outcome.name, outcome.latencyMs, rules));
    state.lastResults[outcome.name] = view;
    state.nextDue[outcome.name] = at + spec.checks.find((check) => check.name === outcome.name)!.intervalMs;
  }
  return outcomes;
}

/** Scans the due log watches; each becomes a result named log:<name> (up while under its threshold). */
export async function scanDueLogs(spec: HealthSpec, due: NonNullable<HealthSpec['logs']>, at: number, state: SourceState, taskQueue: string): Promise<CheckOutcome[]> {
  const cursors = (state.logCursors ??= {});
  const { scanLogs } = proxyActivities<Activities>({ taskQueue, startToCloseTimeout: '30 seconds', retry: { initialInterval: '1 second', maximumAttempts: 5 } });
  const scanned = await scanLogs({ service: spec.service, at, watches: due.map((watch) => ({ name: watch.name, spec: watch.spec, cursor: cursors[watch.name] ?? null })) });
  return scanned.map((scan) => {
    const watch = due.find((candidate) => candidate.name === scan.name)!;
    cursors[scan.name] = scan.cursor;
    state.nextDue[logKey(scan.name)] = at + watch.intervalMs;
    const outcome: CheckOutcome = { name: logKey(scan.name), up: !scan.over, latencyMs: 0, attempts: 1, detail: scan.detail };
    state.lastResults[outcome.name] = { ...outcome, at };
    return outcome;
  });
}

/** Evaluates the due metric policies: a firing `when` is a failure, an anomalous aggregate makes the service degraded. */
export async function evaluateDueMetrics(spec: HealthSpec, due: NonNullable<HealthSpec['metrics']>, at: number, state: SourceState, taskQueue: string): Promise<CheckOutcome[]> {
  const { readMetricPolicies } = proxyActivities<Activities>({ taskQueue, startToCloseTimeout: '15 seconds', retry: { initialInterval: '1 second', maximumAttempts: 5 } });
  const readings = await readMetricPolicies({
    service: spec.service,
    at,
    queries: due.map((policy) => ({ name: policy.name, selector: (policy.condition ?? policy.anomaly!.selector), windowMs: policy.windowMs })),
  });
  const pending = (state.policyPending ??= {});
  return readings.map((reading) => {
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
    return { name, up: view.up, latencyMs: 0, attempts: 1, detail: view.detail };
  });
}

/** Feeds a value to the named baseline; returns what the view shows of it. */
function observeBaseline(state: SourceState, name: string, value: number, rules: AnomalyRules): Pick<CheckView, 'baseline' | 'degraded'> {
  const { state: baseline, verdict } = observe(state.baselines[name] ?? initialBaseline(), value, rules);
  state.baselines[name] = baseline;
  return { baseline: { samples: baseline.samples, mean: verdict.expected.mean, spread: verdict.expected.spread }, degraded: verdict.degraded };
}

/**
 * Until when a quiet watch may run from `now`: only the checks are due before then
 * (logs and metric policies keep their own schedule), and at least two check rounds fit.
 * Undefined when the loop should run its rounds itself.
 */
export function quietWatchUntil(spec: HealthSpec, state: SourceState, now: number): number | undefined {
  if (!spec.checks.length) return undefined;
  const others = [...(spec.logs ?? []).map((watch) => logKey(watch.name)), ...(spec.metrics ?? []).map((policy) => metricKey(policy.name))];
  const firstDue = Math.min(...spec.checks.map((check) => state.nextDue[check.name] ?? now));
  const shortest = Math.min(...spec.checks.map((check) => check.intervalMs));
  const horizon = Math.min(QUIET_WATCH_MAX_MS, (QUIET_WATCH_MAX_ROUNDS - 1) * shortest);
  const until = Math.min(Math.max(now, firstDue) + horizon, ...others.map((name) => (state.nextDue[name] ?? now) - 1));
  return firstDue + shortest <= until ? until : undefined;
}

/**
 * Runs a quiet watch (activities/watch.ts) and takes in what it saw. Returns the rounds it
 * ran and the time of the last one, or undefined when it was interrupted (`interrupted()`
 * turned true, e.g. the spec changed) or failed; the loop then runs its rounds itself.
 */
export async function watchQuietly(
  spec: HealthSpec,
  state: SourceState,
  counters: HealthCounters,
  firstRound: number,
  until: number,
  taskQueue: string,
  interrupted: () => boolean,
): Promise<{ verdicts: RoundOutcome[]; lastRoundAt?: number } | undefined> {
  const longestProbeMs = Math.max(...spec.checks.map((check) => (check.spec.timeoutMs ?? 5_000) * ((check.spec.retry?.retries ?? 0) + 1) + (check.spec.retry?.retries ?? 0) * 5_000));
  const longestIntervalMs = Math.max(...spec.checks.map((check) => check.intervalMs));
  const { watchChecks } = proxyActivities<Activities>({
    taskQueue,
    startToCloseTimeout: Math.max(0, until - Date.now()) + longestProbeMs + 30_000,
    heartbeatTimeout: longestIntervalMs + longestProbeMs + 10_000,
    // A lost watch costs a few rounds of history, not a check: the loop runs them itself.
    retry: { maximumAttempts: 1 },
  });
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
  const settled = [watching.catch((error: unknown) => error as Error), interruption.then(() => undefined, () => undefined)];
  const result = await Promise.race(settled);
  scope.cancel();
  await Promise.all(settled);
  if (result === undefined || result instanceof Error) {
    if (result instanceof Error) log.warn('quiet watch failed; running rounds in the loop', { service: spec.service, error: String(result) });
    return undefined;
  }
  for (const [name, view] of Object.entries(result.last)) state.lastResults[name] = view;
  Object.assign(state.nextDue, result.nextDue);
  Object.assign(state.baselines, result.baselines);
  return { verdicts: result.verdicts, lastRoundAt: result.lastRoundAt };
}
