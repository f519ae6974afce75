// Recorded root-cause cases and their scoring, shared by the live harness
// (bench/rca-eval.ts) and the replay test (test/rca/recorded-cases.test.ts).
// A case is the RcaInput the gatherer built on a live shop plus the truth (the
// service and fault kind injected): plain JSON, so the ranking and every
// baseline can be rerun on it offline, byte for byte the same input.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  acAtK,
  avgAtK,
  baroRanking,
  detectOnset,
  iqr,
  maxZRanking,
  mean,
  median,
  metricsOf,
  mostAlertsRanking,
  randomRanking,
  rankSuspects,
  sd,
  servicesOf,
  type CauseKind,
  type RcaInput,
  type Series,
} from '../lib/core/rca';
import type { FaultKind } from '../demo/shop/topology';

export interface CaseTruth {
  service: string;
  fault: FaultKind;
  /** dependency: the callee cut off. */
  target?: string;
  /** Epoch seconds the fault was in effect (vigil-demo returns once the service took it in). */
  injectedAt: number;
}

export interface RecordedCase {
  id: string;
  truth: CaseTruth;
  input: RcaInput;
  /** How the live run went: when, on which commit, under what load, and how long gathering and ranking took. */
  run: { date: string; commit: string; loadAverage1m: number; gatherMs: number; rankMs: number; injectionToVerdictS: number; changes: string; live?: LiveRun };
}

/**
 * A case run under `vigil up` (bench/rca-live.ts): the alert that fired, the
 * triage it started and what that triage's report said, as a user saw them.
 */
export interface LiveRun {
  /** Who wrote the triage's report: the offline investigator, or llm.model (`model`: its name). */
  mode?: 'offline' | 'model';
  model?: string;
  /** The triage's model requests, tokens and dollars (llm.prices), as its detail shows them. */
  cost?: { requests: number; inputTokens: number; outputTokens: number; cacheWriteTokens?: number; cacheReadTokens?: number; dollars: number };
  /** The first shop alert after the injection, as Alertmanager sent it; absent when none fired in time. */
  alert?: { name: string; service: string; startsAt: string };
  triage?: { id: string; status: string; rootCauseService?: string; causeKind?: string; confidence?: string; startedAt: string; finishedAt?: string };
  /** Injection → the alert's startsAt (firing), and startsAt → the triage's report stored. */
  injectionToAlertS?: number;
  alertToReportS?: number;
  /** A harmless change Vigil saw shortly before the fault, on another service (the distractor). */
  distractor?: string;
}

/**
 * The cause kinds a fault kind may rightly be called. config: the shop's bad
 * setting makes payments time out on every call, so without a change event (the
 * bench runs no drift loop: no change rows) it looks like errors or latency;
 * with one it is a bad change. Those three count as right.
 */
export const EXPECTED_KINDS: Record<FaultKind, readonly CauseKind[]> = {
  latency: ['latency'],
  errors: ['errors'],
  crash: ['crash'],
  crashloop: ['crash'],
  cpu: ['saturation'],
  pool: ['saturation'],
  memory: ['resource leak'],
  dependency: ['dependency'],
  config: ['bad change', 'errors', 'latency'],
  logs: ['logs'],
};

/** Four significant digits: the signals' noise is far larger, and the fixtures stay small. */
const round = (value: number) => (value === 0 || !Number.isFinite(value) ? value : Number(value.toPrecision(4)));
const compactSeries = (series: Series, from: number): [number, number][] => series.filter(([t]) => t >= from).map(([t, v]) => [Math.round(t), round(v)]);

/**
 * The input restricted to [from, end]: one Prometheus serves every case of a
 * run, so the gatherer's 15-minute window holds the previous cases' faults too;
 * `from` is when this case's normal traffic began (the previous fault healed and
 * its 1-minute rates flushed). Values rounded to four significant digits.
 * Log counts and alerts are given for the same span by the caller.
 */
export function cropInput(input: RcaInput, from: number, logs: RcaInput['logs']): RcaInput {
  return {
    ...input,
    window: { before: Math.round(input.at - from), after: input.window?.after ?? 300 },
    services: input.services.map((service) => ({
      service: service.service,
      signals: Object.fromEntries(Object.entries(service.signals).map(([name, series]) => [name, compactSeries(series ?? [], from)])),
      ...(service.clientErrors ? { clientErrors: Object.fromEntries(Object.entries(service.clientErrors).map(([callee, series]) => [callee, compactSeries(series, from)])) } : {}),
    })),
    logs,
    alerts: (input.alerts ?? []).filter((alert) => alert.at >= from),
  };
}

export function readCases(dir: string): RecordedCase[] {
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json') && name !== 'expected.json');
  } catch {
    return [];
  }
  return names.sort().map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as RecordedCase);
}

export const METHODS = ['ours', 'random', 'most alerts', 'max |z|', 'BARO', 'max |z| (sd>0)', 'BARO (IQR>0)'] as const;

/**
 * lib/core/rca's max |z| and BARO divide by 1 when a metric did not vary before
 * the onset (as scikit-learn's scalers do), so a heap that was flat and then
 * moved by one GC step scores about 10⁶ in bytes and decides the case. RCAEval
 * drops constant columns over the whole frame, which does not catch a metric
 * flat only before the onset. These variants (ours, not the paper's) skip a
 * metric with no spread before the onset instead: a fairer bound for the
 * baselines, shown beside the plain ones.
 */
function spreadOnly(input: RcaInput, center: (values: number[]) => number, spread: (values: number[]) => number): string[] {
  const onset = detectOnset(input);
  const from = input.at - (input.window?.before ?? 600);
  const to = input.at + (input.window?.after ?? 300);
  const scores = new Map<string, number>();
  for (const { service, series } of metricsOf(input)) {
    const points = series.filter(([t, v]) => Number.isFinite(v) && t >= from && t <= to);
    const normal = points.filter(([t]) => t < onset).map(([, v]) => v);
    const anomalous = points.filter(([t]) => t >= onset).map(([, v]) => v);
    const scale = normal.length ? spread(normal) : 0;
    if (!anomalous.length || !(scale > 0)) continue;
    const score = Math.max(...anomalous.map((value) => Math.abs(value - center(normal)) / scale));
    scores.set(service, Math.max(scores.get(service) ?? 0, score));
  }
  return servicesOf(input).sort((a, b) => (scores.get(b) ?? 0) - (scores.get(a) ?? 0) || a.localeCompare(b));
}
export type Method = (typeof METHODS)[number];

/** Seeds the random baseline is averaged over: its expected AC@k, not one lucky draw. */
const RANDOM_SEEDS = 100;

export interface CaseScore {
  id: string;
  truth: CaseTruth;
  /** Per method, services best first (random: seed 1, for the case table). */
  rankings: Record<Method, string[]>;
  kind?: CauseKind;
  kindRight: boolean;
  injectionToVerdictS: number;
  rankMs: number;
}

export function scoreCase(recorded: RecordedCase): CaseScore {
  const { input, truth } = recorded;
  const started = performance.now();
  const ranking = rankSuspects(input);
  const rankMs = performance.now() - started;
  const kind = ranking.candidates[0]?.kind;
  const names = (scores: { service: string }[]) => scores.map((score) => score.service);
  return {
    id: recorded.id,
    truth,
    rankings: {
      ours: ranking.order,
      random: names(randomRanking(input, 1)),
      'most alerts': names(mostAlertsRanking(input)),
      'max |z|': names(maxZRanking(input)),
      BARO: names(baroRanking(input)),
      'max |z| (sd>0)': spreadOnly(input, mean, sd),
      'BARO (IQR>0)': spreadOnly(input, median, iqr),
    },
    kind,
    kindRight: kind !== undefined && EXPECTED_KINDS[truth.fault].includes(kind),
    injectionToVerdictS: recorded.run.injectionToVerdictS,
    rankMs,
  };
}

export interface Figures {
  cases: number;
  /** Per method: AC@1, AC@3, Avg@3. */
  methods: Record<Method, { ac1: number; ac3: number; avg3: number }>;
  kindAccuracy: number;
}

export function figuresOf(scores: readonly CaseScore[], inputs: readonly RcaInput[]): Figures {
  const of = (method: Method) => scores.map((score) => ({ ranking: score.rankings[method], truth: score.truth.service }));
  const methods = {} as Figures['methods'];
  for (const method of METHODS) {
    if (method === 'random') continue;
    const cases = of(method);
    methods[method] = { ac1: acAtK(cases, 1), ac3: acAtK(cases, 3), avg3: avgAtK(cases, 3) };
  }
  // The random baseline's expectation over many seeds on the very same inputs.
  const seeds = Array.from({ length: RANDOM_SEEDS }, (_, seed) =>
    scores.map((score, index) => ({ ranking: randomRanking(inputs[index], seed + 1).map((s) => s.service), truth: score.truth.service })),
  );
  const meanOver = (f: (cases: { ranking: string[]; truth: string }[]) => number) => seeds.reduce((sum, cases) => sum + f(cases), 0) / seeds.length;
  methods.random = { ac1: meanOver((cases) => acAtK(cases, 1)), ac3: meanOver((cases) => acAtK(cases, 3)), avg3: meanOver((cases) => avgAtK(cases, 3)) };
  return { cases: scores.length, methods, kindAccuracy: scores.length ? scores.filter((score) => score.kindRight).length / scores.length : NaN };
}

/** The AC@1 of the ranked investigator over the recorded cases: what test/rca/cases/expected.json holds. */
export function oursAc1(cases: readonly RecordedCase[]): number {
  return acAtK(
    cases.map((recorded) => ({ ranking: rankSuspects(recorded.input).order, truth: recorded.truth.service })),
    1,
  );
}
