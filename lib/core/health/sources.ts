// What the health loop watches, as "sources" that each yield a view per
// evaluation: checks (probes), log watches (log:<name>) and metric policies
// (metric:<name>). Pure functions over the spec and the loop's state: which
// sources are due, the round's verdict from the latest view of each, when a
// quiet watch may run. workflows/health-sources.ts runs the due ones.
import { initialBaseline, observe, type AnomalyRules, type BaselineState } from './anomaly';
import type { HealthSpec } from './spec';
import type { RoundOutcome } from './state';
import type { LogCursor } from '../logwatch/types';
import type { StorageState } from './storage';
import type { CheckView } from './views';

/** The part of the loop's carried state that sources read and write. */
export interface SourceState {
  lastResults: Record<string, CheckView>;
  baselines: Record<string, BaselineState>;
  nextDue: Record<string, number>;
  logCursors?: Record<string, LogCursor>;
  /** Since when each `when` policy's condition has held (it fires after its `for`). */
  policyPending?: Record<string, number>;
  /** Set while PostgreSQL is away or results of its outage are still to store. */
  storage?: StorageState;
}

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

/** The latest view of every source that has one, in the spec's order. */
export function latestViews(spec: HealthSpec, state: SourceState): CheckView[] {
  return sources(spec)
    .map(({ name }) => state.lastResults[name])
    .filter((view): view is CheckView => Boolean(view));
}

/** What is failing now, one `name: detail` line per failing source, in the spec's order. */
export function failingDetails(spec: HealthSpec, state: SourceState): string[] {
  return latestViews(spec, state)
    .filter((view) => !view.up)
    .map((view) => `${view.name}: ${view.detail}`);
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

/** The longest these checks may take: every attempt timing out, plus the backoff between them. */
export function longestProbeMs(checks: HealthSpec['checks']): number {
  return Math.max(...checks.map((check) => (check.spec.timeoutMs ?? 5_000) * ((check.spec.retry?.retries ?? 0) + 1) + (check.spec.retry?.retries ?? 0) * 5_000));
}

/** Feeds a value to the named baseline; returns what the view shows of it. */
export function observeBaseline(state: SourceState, name: string, value: number, rules: AnomalyRules): Pick<CheckView, 'baseline' | 'degraded'> {
  const { state: baseline, verdict } = observe(state.baselines[name] ?? initialBaseline(), value, rules);
  state.baselines[name] = baseline;
  return { baseline: { samples: baseline.samples, mean: verdict.expected.mean, spread: verdict.expected.spread }, degraded: verdict.degraded };
}

/**
 * Until when a quiet watch may run from `now`: only the checks are due before then
 * (logs and metric policies keep their own schedule), and at least two check rounds fit.
 * Undefined when the loop should run its rounds itself.
 */
/**
 * The most rounds a quiet watch starting at `now` and ending at `until` can run: each
 * round runs at least one due check, and a check runs at most once per interval. A
 * watch that is lost (its worker gone, Temporal away past its heartbeat timeout) or
 * interrupted may have stored rounds the loop never heard of, and may still be storing
 * some: the loop skips these numbers, so no round of its own overwrites one of them.
 */
export function quietWatchRoundsAtMost(spec: HealthSpec, state: SourceState, now: number, until: number): number {
  return spec.checks.reduce((sum, check) => sum + Math.max(0, Math.floor((until - Math.max(now, state.nextDue[check.name] ?? now)) / check.intervalMs) + 1), 0);
}

export function quietWatchUntil(spec: HealthSpec, state: SourceState, now: number): number | undefined {
  if (!spec.checks.length) return undefined;
  const others = [...(spec.logs ?? []).map((watch) => logKey(watch.name)), ...(spec.metrics ?? []).map((policy) => metricKey(policy.name))];
  const firstDue = Math.min(...spec.checks.map((check) => state.nextDue[check.name] ?? now));
  const shortest = Math.min(...spec.checks.map((check) => check.intervalMs));
  const horizon = Math.min(QUIET_WATCH_MAX_MS, (QUIET_WATCH_MAX_ROUNDS - 1) * shortest);
  const until = Math.min(Math.max(now, firstDue) + horizon, ...others.map((name) => (state.nextDue[name] ?? now) - 1));
  return firstDue + shortest <= until ? until : undefined;
}
