// Scoring a ranking against the true root-cause service, as root-cause
// research reports it: AC@k is the share of cases whose true service is among
// the first k of the ranking, Avg@k the mean of AC@1..AC@k.

export interface ScoredCase {
  /** Services, best first. */
  ranking: readonly string[];
  truth: string;
}

/** 1 when `truth` is among the first k of `ranking`, else 0. */
export const hitAtK = (ranking: readonly string[], truth: string, k: number) => (ranking.slice(0, k).includes(truth) ? 1 : 0);

export function acAtK(cases: readonly ScoredCase[], k: number): number {
  if (!cases.length) return NaN;
  return cases.reduce((sum, scored) => sum + hitAtK(scored.ranking, scored.truth, k), 0) / cases.length;
}

export function avgAtK(cases: readonly ScoredCase[], k: number): number {
  if (k < 1) return NaN;
  let sum = 0;
  for (let j = 1; j <= k; j++) sum += acAtK(cases, j);
  return sum / k;
}
