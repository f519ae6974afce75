// Anomaly maths for the health loop: an adaptive baseline per metric and a
// sliding window that turns counts into an error rate and a throughput.
// Pure and deterministic (workflow code imports it: no Node, no clock, no
// randomness, no I/O). Every state is plain JSON of finite numbers, so it is
// carried across continue-as-new as is and behaves the same after
// JSON.stringify/parse.
//
// Baseline: an EWMA of the value (the mean) and an EWMA of the absolute
// deviation from it, times sqrt(pi/2) so that for normal noise the spread is
// comparable to a standard deviation. A sample is judged against the baseline
// as it was *before* the sample: score = (value - mean) / spread, anomalous
// when it lies more than `k` spreads out on the watched side.
//
// Absorption policy (what an anomalous sample does to the baseline): it is
// clipped to the edge of the band (mean ± k·spread) and absorbed into the mean
// at `anomalyWeight` of the usual weight; it does not touch the spread. So
// - a spike, however large, moves the mean by at most alpha·anomalyWeight·k
//   spreads and does not widen the band (the next samples are judged as before);
// - a sustained step stays anomalous for long instead of becoming "normal"
//   within a half-life: the mean creeps by at most k·alpha·anomalyWeight
//   spreads a sample (0.007 with the defaults); measured, a step of 8 spreads
//   stays degraded for about 500 samples (80 min at a 10 s interval). Yet a
//   legitimate new level (a deploy that makes a call slower) is learnt in the
//   end without an operator resetting anything;
// - absorbing the spread too would feed on itself (a wider band absorbs more),
//   which is what makes plain EWMA detectors forget a step change quickly.
// A single anomalous sample is only a hint: `degraded` needs `consecutive`
// anomalous samples in a row, which is what the health state machine should
// treat as an anomaly (RoundOutcome.anomalous).

export type AnomalyDirection = 'up' | 'down' | 'both';

export interface AnomalyRules {
  /** Samples after which an old sample weighs half as much in the baseline (EWMA alpha = 1 − 2^(−1/halfLife)). */
  halfLife: number;
  /** Sensitivity: how many spreads from the mean a sample must lie to be anomalous. */
  k: number;
  /** Samples the baseline learns from before it judges any (verdict `warming-up` until then). */
  warmupSamples: number;
  /** Absolute floor of the spread, in the metric's unit: a flat series does not flag tiny wiggles. */
  minSpread: number;
  /** Floor of the spread relative to |mean| (0.05 = 5 %); the larger of the two floors applies. */
  minRelativeSpread: number;
  /** Which side is bad: `up` for latency and error rate, `down` for throughput, `both`. */
  direction: AnomalyDirection;
  /** Anomalous samples in a row before the verdict says `degraded`; a lone spike does not. */
  consecutive: number;
  /** Share of the usual EWMA weight at which an anomalous (clipped) sample moves the mean; 0 = never. */
  anomalyWeight: number;
}

export const DEFAULT_ANOMALY_RULES: Readonly<AnomalyRules> = Object.freeze({
  halfLife: 30,
  k: 3,
  warmupSamples: 20,
  minSpread: 0,
  minRelativeSpread: 0.02,
  direction: 'up',
  consecutive: 3,
  anomalyWeight: 0.1,
});

/** The rules with defaults for what is missing. Check them with `anomalyRuleProblems`. */
export function anomalyRules(partial: Partial<AnomalyRules> = {}): AnomalyRules {
  const rules = { ...DEFAULT_ANOMALY_RULES };
  for (const key of Object.keys(DEFAULT_ANOMALY_RULES) as (keyof AnomalyRules)[]) {
    if (partial[key] !== undefined) (rules as Record<keyof AnomalyRules, unknown>)[key] = partial[key];
  }
  return rules;
}

/** What is wrong with the rules, as `field: problem` lines; empty when they are usable. */
export function anomalyRuleProblems(rules: AnomalyRules): string[] {
  const problems: string[] = [];
  const finite = (field: keyof AnomalyRules, ok: (n: number) => boolean, want: string) => {
    const value = rules[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) problems.push(`${field}: must be ${want}`);
  };
  finite('halfLife', (n) => n >= 1, 'a number ≥ 1');
  finite('k', (n) => n > 0, 'a number > 0');
  finite('warmupSamples', (n) => Number.isInteger(n) && n >= 2, 'an integer ≥ 2');
  finite('minSpread', (n) => n >= 0, 'a number ≥ 0');
  finite('minRelativeSpread', (n) => n >= 0, 'a number ≥ 0');
  finite('consecutive', (n) => Number.isInteger(n) && n >= 1, 'an integer ≥ 1');
  finite('anomalyWeight', (n) => n >= 0 && n <= 1, 'a number from 0 to 1');
  if (!['up', 'down', 'both'].includes(rules.direction)) problems.push('direction: must be up, down or both');
  return problems;
}

/** EWMA weight of a new sample for a half-life in samples. */
export function alphaForHalfLife(halfLife: number): number {
  return 1 - Math.pow(2, -1 / halfLife);
}

/** Baseline of one metric; plain JSON, finite numbers only. */
export interface BaselineState {
  /** Samples absorbed so far (non-finite values are not counted). */
  samples: number;
  /** EWMA of the value. */
  mean: number;
  /** EWMA of |value − mean| (the mean before the sample). */
  meanAbsDeviation: number;
  /** Anomalous samples in a row, up to and including the last one. */
  streak: number;
}

export function initialBaseline(): BaselineState {
  return { samples: 0, mean: 0, meanAbsDeviation: 0, streak: 0 };
}

/** Mean absolute deviation of normal noise times this is its standard deviation. */
const MAD_TO_SD = Math.sqrt(Math.PI / 2);

export interface ExpectedBand {
  mean: number;
  /** Comparable to a standard deviation, never below the floors. */
  spread: number;
  /** mean − k·spread; judged only when direction is `down` or `both`. */
  low: number;
  /** mean + k·spread; judged only when direction is `up` or `both`. */
  high: number;
}

export type AnomalyStatus = 'warming-up' | 'normal' | 'anomalous' | 'ignored';

export interface AnomalyVerdict {
  /** `ignored`: the value was not a finite number; the state is unchanged. */
  status: AnomalyStatus;
  value: number;
  /** (value − mean) / spread, signed; 0 while warming up or ignored. */
  score: number;
  /** The band the value was judged against (the baseline before this sample). */
  expected: ExpectedBand;
  /** Anomalous samples in a row including this one. */
  streak: number;
  /** streak ≥ rules.consecutive: what the state machine should treat as an anomaly. */
  degraded: boolean;
}

/** The band the next sample will be judged against. */
export function expectedBand(state: BaselineState, rules: AnomalyRules): ExpectedBand {
  const floor = Math.max(rules.minSpread, rules.minRelativeSpread * Math.abs(state.mean));
  const spread = Math.max(state.meanAbsDeviation * MAD_TO_SD, floor);
  return { mean: state.mean, spread, low: state.mean - rules.k * spread, high: state.mean + rules.k * spread };
}

/** Judges `value` against the baseline, then absorbs it (see the policy at the top). Never mutates `state`. */
export function observe(state: BaselineState, value: number, rules: AnomalyRules = DEFAULT_ANOMALY_RULES): { state: BaselineState; verdict: AnomalyVerdict } {
  const expected = expectedBand(state, rules);
  if (!Number.isFinite(value)) {
    return { state, verdict: { status: 'ignored', value, score: 0, expected, streak: state.streak, degraded: state.streak >= rules.consecutive } };
  }
  const alpha = alphaForHalfLife(rules.halfLife);
  const samples = state.samples + 1;
  if (samples <= rules.warmupSamples) {
    // Learning: while fewer samples were seen than the EWMA's memory, weigh them
    // equally (a running mean), so the first sample does not dominate.
    const next: BaselineState = {
      samples,
      mean: state.mean + Math.max(alpha, 1 / samples) * (value - state.mean),
      meanAbsDeviation: samples === 1 ? 0 : state.meanAbsDeviation + Math.max(alpha, 1 / (samples - 1)) * (Math.abs(value - state.mean) - state.meanAbsDeviation),
      streak: 0,
    };
    return { state: next, verdict: { status: 'warming-up', value, score: 0, expected, streak: 0, degraded: false } };
  }
  const score = (value - expected.mean) / expected.spread;
  const anomalous = rules.direction === 'up' ? score > rules.k : rules.direction === 'down' ? score < -rules.k : Math.abs(score) > rules.k;
  let next: BaselineState;
  if (anomalous) {
    const clipped = Math.min(expected.high, Math.max(expected.low, value));
    next = {
      samples,
      mean: state.mean + alpha * rules.anomalyWeight * (clipped - state.mean),
      meanAbsDeviation: state.meanAbsDeviation,
      streak: state.streak + 1,
    };
  } else {
    next = {
      samples,
      mean: state.mean + alpha * (value - state.mean),
      meanAbsDeviation: state.meanAbsDeviation + alpha * (Math.abs(value - state.mean) - state.meanAbsDeviation),
      streak: 0,
    };
  }
  return {
    state: next,
    verdict: {
      status: anomalous ? 'anomalous' : 'normal',
      value,
      score,
      expected,
      streak: next.streak,
      degraded: next.streak >= rules.consecutive,
    },
  };
}

// ---------------------------------------------------------------------------
// Sliding window over the last N samples of counts: error rate and throughput.

/** The last samples of counts, oldest first; parallel arrays of equal length, at most the window size. */
export interface CountWindow {
  /** Requests (or events) counted in each sample. */
  total: number[];
  /** Of which failed. */
  errors: number[];
  /** Seconds each sample covers (0 when unknown). */
  seconds: number[];
}

export interface CountSample {
  total: number;
  errors?: number;
  /** Seconds the sample covers, for a per-second throughput. */
  seconds?: number;
}

export interface WindowRates {
  /** Samples in the window (≤ size). */
  samples: number;
  total: number;
  errors: number;
  /** errors / total over the window; null when nothing was counted. */
  errorRate: number | null;
  /** total per second when every sample has its seconds, else total per sample; null for an empty window. */
  throughput: number | null;
  perSecond: boolean;
}

export function initialWindow(): CountWindow {
  return { total: [], errors: [], seconds: [] };
}

/**
 * Appends one sample (counts since the previous one, not cumulative counters;
 * negative or non-finite counts count as 0) and drops the oldest beyond `size`.
 * Returns a new window and the rates over it; never mutates `window`.
 */
export function pushCounts(window: CountWindow, sample: CountSample, size: number): { window: CountWindow; rates: WindowRates } {
  const keep = Math.max(1, Math.floor(size));
  const count = (n: number | undefined) => (n !== undefined && Number.isFinite(n) && n > 0 ? n : 0);
  const total = count(sample.total);
  const next: CountWindow = {
    total: [...window.total, total].slice(-keep),
    errors: [...window.errors, Math.min(total, count(sample.errors))].slice(-keep),
    seconds: [...window.seconds, count(sample.seconds)].slice(-keep),
  };
  return { window: next, rates: windowRates(next) };
}

export function windowRates(window: CountWindow): WindowRates {
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const samples = window.total.length;
  const total = sum(window.total);
  const errors = sum(window.errors);
  const seconds = sum(window.seconds);
  const perSecond = samples > 0 && window.seconds.every((s) => s > 0);
  return {
    samples,
    total,
    errors,
    errorRate: total > 0 ? errors / total : null,
    throughput: samples === 0 ? null : perSecond ? total / seconds : total / samples,
    perSecond,
  };
}
