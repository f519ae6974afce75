// Per-signal findings: how far each signal of a service moved from its own
// recent baseline, and when it started to. Pure.
//
// The window is [at − before, at + after]. Its first `baselineShare` of the
// before-part is the reference: the fault may have started minutes before the
// alert fired (a `for:` clause, a late triage, a slow leak), so the part just
// before `at` is not trusted as normal. With the defaults a fault up to 400 s
// older than `at` is found; one older than that is part of the reference and
// hides (widen `before`). The
// onset is the first point after the reference where the score holds above the
// threshold for `hold` seconds; the final baseline is everything before the
// onset (more points, steadier estimates), and the score is the level held for
// `hold` seconds after it (a lone spike or a short burst does not count).
import { firstSustained, medianStep, robustBaseline, robustScore, sustainedWindow, type Direction, type Floors } from './stats';
import type { CauseKind, RcaEvidence, Series, ServiceSignals, SignalName } from './types';

export interface SignalRule {
  /** What a move of this signal says about the service; `traffic` says more about its callers. */
  kind: CauseKind | 'traffic';
  direction: Direction;
  floors: Floors;
  /** Seconds a move must hold (in points: hold / step + 1, at least 2): in seconds, so a 5 s and a 15 s step judge alike. */
  hold: number;
  /** Derived with a rate window (rates, ratios, quantiles): a blip shorter than a step shows for the whole window. */
  rated: boolean;
}

const MIB = 2 ** 20;

/** up and restarts are read by analyseCrash: a process that died is counted, not scored in spreads. */
export const SIGNAL_RULES: Record<Exclude<SignalName, 'up' | 'restarts'> | 'client_error_ratio', SignalRule> = {
  error_ratio: { kind: 'errors', direction: 'up', floors: { absolute: 0.01, relative: 0.1 }, hold: 30, rated: true },
  latency_p95: { kind: 'latency', direction: 'up', floors: { absolute: 0.01, relative: 0.1 }, hold: 30, rated: true },
  // A callee's rate falls when its caller breaks: a sign about the caller, never an origin on its own.
  request_rate: { kind: 'traffic', direction: 'both', floors: { absolute: 0.5, relative: 0.1 }, hold: 30, rated: true },
  cpu: { kind: 'saturation', direction: 'up', floors: { absolute: 0.02, relative: 0.1 }, hold: 30, rated: true },
  memory: { kind: 'resource leak', direction: 'up', floors: { absolute: 8 * MIB, relative: 0.05 }, hold: 30, rated: false },
  heap: { kind: 'resource leak', direction: 'up', floors: { absolute: 4 * MIB, relative: 0.05 }, hold: 30, rated: false },
  // Requests pile up when the service (or what it waits for) is slow.
  in_flight: { kind: 'latency', direction: 'up', floors: { absolute: 1, relative: 0.1 }, hold: 30, rated: false },
  pool_use: { kind: 'saturation', direction: 'up', floors: { absolute: 0.05, relative: 0.1 }, hold: 30, rated: false },
  pool_waiting: { kind: 'saturation', direction: 'up', floors: { absolute: 1, relative: 0.1 }, hold: 30, rated: false },
  client_error_ratio: { kind: 'dependency', direction: 'up', floors: { absolute: 0.01, relative: 0.1 }, hold: 30, rated: true },
};

export interface AnalysisOptions {
  /** Robust units a signal must hold (for its rule's `hold` seconds) to count as moved. */
  threshold: number;
  before: number;
  after: number;
  /** The share of the before-part used as the reference baseline (the rest may already hold the fault). */
  baselineShare: number;
  /** Fewer baseline points than this: the signal is not judged. */
  minBaselinePoints: number;
  /** Seconds of the rate window the rated signals were derived with (0: unknown or none). */
  rateWindow: number;
  /**
   * A move or crash over this long before `at` is an earlier incident, not this one: an alert
   * fires while its cause is on (or, for a rated signal, within a rate window of it).
   */
  pastAfter: number;
}

export const DEFAULT_ANALYSIS: AnalysisOptions = { threshold: 3, before: 600, after: 300, baselineShare: 1 / 3, minBaselinePoints: 5, rateWindow: 0, pastAfter: 120 };

export interface SignalFinding {
  service: string;
  /** `latency_p95`, or `client_error_ratio:<callee>`. */
  signal: string;
  callee?: string;
  kind: SignalRule['kind'];
  score: number;
  anomalous: boolean;
  onset?: number;
  /** Baseline median; the median of the highest level it held (of everything after the reference when it did not move). */
  before: number;
  after: number;
  /** Where that highest level began. */
  heldFrom?: number;
}

/** The usable points in [from, to], in time order (NaN: a quantile of no requests, a ratio of zero calls). */
function finite(series: Series, from: number, to: number): (readonly [number, number])[] {
  return series.filter(([t, v]) => Number.isFinite(t) && Number.isFinite(v) && t >= from && t <= to).sort((a, b) => a[0] - b[0]);
}

/**
 * How many points in a row make `rule.hold` seconds at the series' own step
 * (15 s when it cannot tell). A rated signal must also outlast its rate window
 * by a step: `rate(…[1m])` turns a one-scrape spike into a one-minute plateau.
 */
export function persistPoints(rule: Pick<SignalRule, 'hold' | 'rated'>, points: readonly (readonly [number, number])[], rateWindow = 0): number {
  const step = medianStep(points.map(([t]) => t)) ?? 15;
  const hold = rule.rated && rateWindow > 0 ? Math.max(rule.hold, rateWindow + step) : rule.hold;
  return Math.max(2, Math.floor(hold / step) + 1);
}

const medianOf = (values: number[]) => robustBaseline(values, { absolute: 0, relative: 0 }).median;

export function analyseSignal(service: string, signal: string, series: Series, rule: SignalRule, at: number, options: AnalysisOptions = DEFAULT_ANALYSIS): SignalFinding | undefined {
  const start = at - options.before;
  const referenceEnd = start + options.before * options.baselineShare;
  const points = finite(series, start, at + options.after);
  const reference = points.filter(([t]) => t < referenceEnd).map(([, v]) => v);
  if (reference.length < options.minBaselinePoints) return undefined;
  const first = robustBaseline(reference, rule.floors);
  const searchFrom = points.findIndex(([t]) => t >= referenceEnd);
  if (searchFrom < 0) return undefined;
  const persist = persistPoints(rule, points, options.rateWindow);
  const firstScores = points.map(([, v]) => robustScore(v, first, rule.direction));
  // Moves that were over well before `at` belong to an earlier incident: skip them, and keep them out of the baseline.
  const past: [number, number][] = [];
  let from = searchFrom;
  let onsetIndex = firstSustained(firstScores, options.threshold, persist, from);
  for (let over = episodeEnd(firstScores, options.threshold, persist, onsetIndex); onsetIndex >= 0 && over >= 0 && points[over][0] < at - options.pastAfter;) {
    past.push([onsetIndex, over]);
    from = over;
    onsetIndex = firstSustained(firstScores, options.threshold, persist, from);
    over = episodeEnd(firstScores, options.threshold, persist, onsetIndex);
  }
  // A move still going on at the last point needs only the plain hold: an alert (which waited
  // `for` its own rule on the same rates) comes before a rated move can outlast its rate window.
  const ongoing = onsetIndex < 0 ? ongoingRun(firstScores, options.threshold, persistPoints({ ...rule, rated: false }, points), from) : -1;
  const onsetAt = onsetIndex >= 0 ? onsetIndex : ongoing;
  const normal = points.slice(0, onsetAt >= 0 ? onsetAt : from).filter((_, index) => !past.some(([start, end]) => index >= start && index < end));
  const baseline =
    normal.length >= options.minBaselinePoints
      ? robustBaseline(
          normal.map(([, v]) => v),
          rule.floors,
        )
      : first;
  const after = points.slice(onsetAt >= 0 ? onsetAt : from);
  const scores = after.map(([, v]) => robustScore(v, baseline, rule.direction));
  const held = sustainedWindow(scores, persist);
  const score = Math.max(0, held.level);
  const anomalous = onsetAt >= 0 && score >= options.threshold;
  // The level it held, not the median of everything after: a fault that ended early still reads as what it was.
  const level = anomalous ? after.slice(held.start, held.start + held.width) : after;
  return {
    service,
    signal,
    kind: rule.kind,
    score,
    anomalous,
    onset: anomalous ? points[onsetAt][0] : undefined,
    before: baseline.median,
    after: medianOf(level.map(([, v]) => v)),
    heldFrom: anomalous ? after[held.start]?.[0] : undefined,
  };
}

/**
 * The down episodes of the incident at `at`: those not over `pastAfter` seconds before it, and
 * the earlier ones each followed by the next within `pastAfter` (a crash loop is one incident).
 */
function currentIncident(episodes: readonly [number, number][], at: number, pastAfter: number): [number, number][] {
  let first = episodes.length;
  while (first > 0 && (episodes[first - 1][1] >= at - pastAfter || (first < episodes.length && episodes[first][0] - episodes[first - 1][1] <= pastAfter))) first -= 1;
  return episodes.slice(first);
}

/** Where the move that began at `onset` is over: the first of `persist` points in a row below `threshold`; -1 while it lasts (or for no move). */
function episodeEnd(scores: readonly number[], threshold: number, persist: number, onset: number): number {
  if (onset < 0) return -1;
  let run = 0;
  for (let index = onset; index < scores.length; index++) {
    run = scores[index] < threshold ? run + 1 : 0;
    if (run >= persist) return index - persist + 1;
  }
  return -1;
}

/** The start of the run at or above `threshold` that reaches the last point, when it is at least `persist` long; else -1. */
function ongoingRun(scores: readonly number[], threshold: number, persist: number, from: number): number {
  let start = scores.length;
  while (start > from && scores[start - 1] >= threshold) start -= 1;
  return scores.length - start >= persist ? start : -1;
}

/** Every judged signal of a service, client errors per callee included. */
export function analyseService(input: ServiceSignals, at: number, options: AnalysisOptions = DEFAULT_ANALYSIS): SignalFinding[] {
  const findings: SignalFinding[] = [];
  for (const [name, rule] of Object.entries(SIGNAL_RULES)) {
    const series = input.signals[name as SignalName];
    const finding = series && analyseSignal(input.service, name, series, rule, at, options);
    if (finding) findings.push(finding);
  }
  for (const [callee, series] of Object.entries(input.clientErrors ?? {})) {
    const finding = analyseSignal(input.service, `client_error_ratio:${callee}`, series, SIGNAL_RULES.client_error_ratio, at, options);
    if (finding) findings.push({ ...finding, callee });
  }
  return findings;
}

export interface CrashFinding {
  service: string;
  /** Separate times the process was seen down or restarted. */
  crashes: number;
  onset: number;
  /** Restart times (from the restarts count), so a restart Vigil did itself can be told apart. */
  restartsAt: number[];
  evidence: RcaEvidence[];
}

/**
 * A process that died shows as up = 0 at a scrape, a step in its restart count,
 * or its series stopping (nothing scraped while it was down). Down intervals
 * from up and from gaps are merged, so one crash seen both ways counts once.
 * `end`: the last time any service has data, so a series that stops early is
 * told from a window that ends.
 */
export function analyseCrash(input: ServiceSignals, at: number, end: number, options: AnalysisOptions = DEFAULT_ANALYSIS): CrashFinding | undefined {
  const start = at - options.before;
  const referenceEnd = start + options.before * options.baselineShare;
  const upper = Math.min(end, at + options.after);
  const down: [number, number][] = [];
  const evidence: RcaEvidence[] = [];
  const up = finite(input.signals.up ?? [], start, upper);
  const upBefore = up.filter(([t]) => t < referenceEnd).map(([, v]) => v);
  if (!upBefore.length || medianOf(upBefore) >= 0.5) {
    for (const [t, v] of up) if (t >= referenceEnd && v < 0.5) down.push([t, t]);
  }
  const times = [
    ...new Set(
      Object.entries(input.signals)
        .filter(([name]) => name !== 'up')
        .flatMap(([, series]) => finite(series ?? [], start, upper).map(([t]) => t)),
    ),
  ].sort((a, b) => a - b);
  const step = medianStep(times);
  if (step !== undefined) {
    const gap = 2.5 * step;
    const inRange = times.filter((t) => t >= referenceEnd - step);
    for (let index = 1; index < inRange.length; index++) if (inRange[index] - inRange[index - 1] > gap) down.push([inRange[index - 1] + step, inRange[index] - step]);
    const last = times[times.length - 1];
    if (last >= referenceEnd && upper - last > gap) down.push([last + step, upper]);
  }
  const restartsAt: number[] = [];
  const restarts = finite(input.signals.restarts ?? [], start, upper);
  for (let index = 1; index < restarts.length; index++) {
    if (restarts[index][0] >= referenceEnd && restarts[index][1] > restarts[index - 1][1]) restartsAt.push(restarts[index][0]);
  }
  down.sort((a, b) => a[0] - b[0]);
  const episodes: [number, number][] = [];
  const joinWithin = 3 * (step ?? 15);
  for (const interval of down) {
    const last = episodes[episodes.length - 1];
    if (last && interval[0] - last[1] <= joinWithin) last[1] = Math.max(last[1], interval[1]);
    else episodes.push([...interval]);
  }
  const current = currentIncident(episodes, at, options.pastAfter);
  const since = current.length ? Math.min(current[0][0] - 2 * (step ?? 15), at - options.pastAfter) : at - options.pastAfter;
  const restartedAt = restartsAt.filter((t) => t >= since);
  const crashes = Math.max(current.length, restartedAt.length);
  if (!crashes) return undefined;
  // Down from the first missed scrape to the last one: about one step longer than the interval between them.
  const lasted = ([from, to]: [number, number]) => Math.round(to - from + (step ?? 0));
  if (current.length === 1) evidence.push({ type: 'signal', what: `down (up = 0 or no scrape) for about ${lasted(current[0])} s`, at: current[0][0] });
  else if (current.length > 1) {
    const longest = Math.max(...current.map(lasted));
    evidence.push({ type: 'signal', what: `down ${current.length} times (up = 0 or no scrape), up to ${longest} s each`, value: current.length, at: current[0][0] });
  }
  if (restartedAt.length) evidence.push({ type: 'signal', what: `restarted ${restartedAt.length} time${restartedAt.length > 1 ? 's' : ''}`, value: restartedAt.length, at: restartedAt[0] });
  const onset = Math.min(...current.map(([from]) => from), ...restartedAt);
  return { service: input.service, crashes, onset, restartsAt: restartedAt, evidence };
}
