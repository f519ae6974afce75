// Robust statistics for root-cause ranking. Pure and deterministic.
//
// Why robust: a baseline of a few minutes often holds a spike (a GC pause, a
// slow request); mean and standard deviation let that one point widen the band
// so much that the real fault later looks small, while median and IQR/MAD barely
// move. Scores are in "robust units": how many baseline spreads a value lies from
// the baseline's median.

/** The q-quantile of ascending `sorted` with linear interpolation (numpy's default, so BARO's IQR matches). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (!sorted.length) return NaN;
  const position = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

const ascending = (values: readonly number[]) => [...values].sort((a, b) => a - b);

export const quantile = (values: readonly number[], q: number) => quantileSorted(ascending(values), q);
export const median = (values: readonly number[]) => quantile(values, 0.5);

/** Interquartile range, Q3 − Q1. */
export function iqr(values: readonly number[]): number {
  const sorted = ascending(values);
  return quantileSorted(sorted, 0.75) - quantileSorted(sorted, 0.25);
}

/** Median absolute deviation from the median (unscaled; × 1.4826 estimates σ for normal noise). */
export function mad(values: readonly number[]): number {
  const center = median(values);
  return median(values.map((value) => Math.abs(value - center)));
}

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : NaN;
}

/** Population standard deviation (ddof 0, as scikit-learn's StandardScaler uses). */
export function sd(values: readonly number[]): number {
  const center = mean(values);
  return Math.sqrt(mean(values.map((value) => (value - center) ** 2)));
}

export interface Floors {
  /** Smallest spread in the signal's unit: a flat baseline does not make every blip infinite. */
  absolute: number;
  /** Smallest spread relative to |median| (0.1 = 10 %). */
  relative: number;
}

export interface Baseline {
  median: number;
  /** The spread scores divide by: the largest of IQR, 1.4826·MAD and the floors. */
  scale: number;
  points: number;
}

/**
 * Both IQR and MAD can collapse to 0 when most baseline points are equal (an
 * error ratio that is 0 most of the time): the larger of the two, then the
 * floors, keep the scale meaningful.
 */
export function robustBaseline(values: readonly number[], floors: Floors): Baseline {
  const center = median(values);
  const scale = Math.max(iqr(values), 1.4826 * mad(values), floors.absolute, floors.relative * Math.abs(center));
  return { median: center, scale: scale > 0 ? scale : 1, points: values.length };
}

export type Direction = 'up' | 'down' | 'both';

/** How far `value` lies from the baseline in robust units, counting only the bad direction (negative on the good side). */
export function robustScore(value: number, baseline: Baseline, direction: Direction = 'both'): number {
  const delta = (value - baseline.median) / baseline.scale;
  return direction === 'up' ? delta : direction === 'down' ? -delta : Math.abs(delta);
}

/**
 * The largest level the scores hold for `persist` points in a row (the max over
 * windows of the window's min), and where that window starts: a lone spike
 * does not count, a step does. Fewer points than `persist`: their minimum.
 */
export function sustainedWindow(scores: readonly number[], persist: number): { level: number; start: number; width: number } {
  if (!scores.length) return { level: 0, start: 0, width: 0 };
  const width = Math.max(1, Math.min(persist, scores.length));
  let best = { level: -Infinity, start: 0, width };
  for (let start = 0; start + width <= scores.length; start++) {
    let low = Infinity;
    for (let index = start; index < start + width; index++) low = Math.min(low, scores[index]);
    if (low > best.level) best = { level: low, start, width };
  }
  return best;
}

export const sustained = (scores: readonly number[], persist: number) => sustainedWindow(scores, persist).level;

/** The index of the first of `persist` points in a row at or above `threshold` (from `from` on), or -1. */
export function firstSustained(scores: readonly number[], threshold: number, persist: number, from = 0): number {
  let run = 0;
  for (let index = Math.max(0, from); index < scores.length; index++) {
    run = scores[index] >= threshold ? run + 1 : 0;
    if (run >= persist) return index - persist + 1;
  }
  return -1;
}

/** The median spacing of a series' timestamps (its scrape or evaluation step), or undefined below two points. */
export function medianStep(times: readonly number[]): number | undefined {
  if (times.length < 2) return undefined;
  const steps: number[] = [];
  for (let index = 1; index < times.length; index++) steps.push(times[index] - times[index - 1]);
  return median(steps);
}

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1); the same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
