// Baselines the ranked investigator is measured against, on the very same
// input: random, most alerts, max |z| and BARO. Each returns every service,
// best first, ties broken by name so the result does not depend on input order.
import { analyseService, DEFAULT_ANALYSIS, type AnalysisOptions } from './signals';
import { iqr, mean, median, sd, seededRandom } from './stats';
import type { RcaInput, Series } from './types';

export interface ServiceScore {
  service: string;
  score: number;
}

export interface MetricSeries {
  service: string;
  metric: string;
  series: Series;
}

/** Every service the input knows: those with data and those only in the call graph. */
export function servicesOf(input: RcaInput): string[] {
  return [...new Set([...input.services.map((service) => service.service), ...Object.keys(input.callees), ...Object.values(input.callees).flat()])].sort();
}

/** Every series as one metric column named `<service>_<signal>`, as RCAEval's frames name them. */
export function metricsOf(input: RcaInput): MetricSeries[] {
  return input.services.flatMap((service) => [
    ...Object.entries(service.signals).map(([metric, series]) => ({ service: service.service, metric, series: series ?? [] })),
    ...Object.entries(service.clientErrors ?? {}).map(([callee, series]) => ({ service: service.service, metric: `client_error_ratio:${callee}`, series })),
  ]);
}

function ranked(input: RcaInput, scores: Map<string, number>): ServiceScore[] {
  return servicesOf(input)
    .map((service) => ({ service, score: scores.get(service) ?? 0 }))
    .sort((a, b) => b.score - a.score || a.service.localeCompare(b.service));
}

const windowOf = (input: RcaInput) => ({ before: input.window?.before ?? DEFAULT_ANALYSIS.before, after: input.window?.after ?? DEFAULT_ANALYSIS.after });

/** A seeded shuffle (Fisher–Yates over the sorted services): the same order for the same seed. */
export function randomRanking(input: RcaInput, seed: number): ServiceScore[] {
  const services = servicesOf(input);
  const random = seededRandom(seed);
  for (let index = services.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [services[index], services[other]] = [services[other], services[index]];
  }
  return services.map((service, index) => ({ service, score: services.length - index }));
}

/** The service with the most alerts firing in the window first. */
export function mostAlertsRanking(input: RcaInput): ServiceScore[] {
  const { before, after } = windowOf(input);
  const counts = new Map<string, number>();
  for (const alert of input.alerts ?? []) {
    if (alert.at >= input.at - before && alert.at <= input.at + after) counts.set(alert.service, (counts.get(alert.service) ?? 0) + 1);
  }
  return ranked(input, counts);
}

/**
 * The onset the max-|z| and BARO baselines split at when none is given: the
 * earliest time any signal of any service held past the robust threshold
 * (signals.ts), else `at`. RCAEval's BARO finds it with multivariate Bayesian
 * online change-point detection when no inject time is given; this simpler
 * detector is what the ranked investigator uses too, so the comparison is about
 * the scoring, not the onset.
 */
export function detectOnset(input: RcaInput, options: AnalysisOptions = { ...DEFAULT_ANALYSIS, ...windowOf(input), rateWindow: input.rateWindow ?? 0 }): number {
  const onsets = input.services.flatMap((service) => analyseService(service, input.at, options).flatMap((finding) => (finding.anomalous ? [finding.onset as number] : [])));
  return onsets.length ? Math.min(...onsets) : input.at;
}

type MetricScorer = (before: number[], after: number[]) => number;

function byBestMetric(input: RcaInput, onset: number, scorer: MetricScorer): ServiceScore[] {
  const { before, after } = windowOf(input);
  const scores = new Map<string, number>();
  for (const { service, series } of metricsOf(input)) {
    const points = series.filter(([t, v]) => Number.isFinite(v) && t >= input.at - before && t <= input.at + after);
    const normal = points.filter(([t]) => t < onset).map(([, v]) => v);
    const anomalous = points.filter(([t]) => t >= onset).map(([, v]) => v);
    if (!normal.length || !anomalous.length) continue;
    const score = scorer(normal, anomalous);
    if (Number.isFinite(score)) scores.set(service, Math.max(scores.get(service) ?? 0, score));
  }
  return ranked(input, scores);
}

/** max |z|: per metric the largest |x − mean_before| / sd_before after the onset (sd 0 counts as 1, as StandardScaler does); a service's score is its best metric's. */
export function maxZRanking(input: RcaInput, onset = detectOnset(input)): ServiceScore[] {
  return byBestMetric(input, onset, (normal, anomalous) => {
    const center = mean(normal);
    const spread = sd(normal) || 1;
    return Math.max(...anomalous.map((value) => Math.abs(value - center) / spread));
  });
}

/**
 * BARO, reimplemented (not RCAEval's code): Pham et al., "BARO: Robust Root
 * Cause Analysis for Microservices via Multivariate Bayesian Online Change
 * Point Detection", FSE 2024, as in RCAEval's `baro`/`robust_scorer`. Split
 * each metric at the onset; score = max over the points after it of
 * |x − median_before| / IQR_before (RobustScaler's centre and 25–75 % scale;
 * an IQR of 0 counts as 1, as scikit-learn does); a service's score is its
 * best metric's. Differences: the onset comes from detectOnset (not BOCPD)
 * when none is given, and RCAEval's column preprocessing (dropping constant
 * columns, memory in MB) is not repeated.
 */
export function baroRanking(input: RcaInput, onset = detectOnset(input)): ServiceScore[] {
  return byBestMetric(input, onset, (normal, anomalous) => {
    const center = median(normal);
    const scale = iqr(normal) || 1;
    return Math.max(...anomalous.map((value) => Math.abs(value - center) / scale));
  });
}
