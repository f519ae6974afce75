// From a ranking to what the report says: a confidence derived from how far
// the first candidate stands above the second, and the root-cause text. The
// offline report says "not determined" only when nothing moved at all.
import type { Candidate, CauseKind, Confidence, Ranking } from './types';

/** Margins at or above which the first candidate is called high or medium confidence. */
export const CONFIDENCE_MARGINS = { high: 0.5, medium: 0.25 } as const;

/**
 * high: the first scores at least twice the second (margin ≥ 0.5) and moved
 * well past the threshold; medium: 25 % ahead; low otherwise. A weak lone
 * candidate (a log burst, a small move) is capped at medium: nothing else
 * moved, but it did not move much either.
 */
export function confidenceFor(candidates: readonly Pick<Candidate, 'score' | 'margin'>[], threshold: number): Confidence {
  const top = candidates[0];
  if (!top) return 'low';
  if (top.margin >= CONFIDENCE_MARGINS.high && top.score >= 2 * threshold) return 'high';
  if (top.margin >= CONFIDENCE_MARGINS.medium) return 'medium';
  return 'low';
}

export const NOT_DETERMINED = 'Not determined by the offline investigator: no signal, change or log of any service moved in the window.';

const KIND_PHRASE: Record<Candidate['kind'], string> = {
  latency: 'slow responses',
  errors: 'failing requests',
  saturation: 'saturation (CPU or connection pool)',
  crash: 'the process crashed',
  'resource leak': 'a resource leak (memory growing)',
  dependency: 'its calls to a healthy dependency fail',
  'bad change': 'a change made just before the onset',
  logs: 'a burst of error logs',
};

/** The report's root-cause line: the first candidate, its best evidence, and how far it stands out. */
export function rootCauseText(ranking: Ranking): string {
  const [top, next] = ranking.candidates;
  if (!top) return NOT_DETERMINED;
  const evidence = top.evidence
    .slice(0, 3)
    .map((item) => item.what)
    .join('; ');
  const against = next ? `next ${next.service} ${next.score.toFixed(1)}, margin ${Math.round(top.margin * 100)} %` : 'no other service moved';
  return `${top.service}: ${KIND_PHRASE[top.kind]} (${top.kind}). ${evidence}. Ranked first of ${ranking.candidates.length} (score ${top.score.toFixed(1)}; ${against}; confidence ${ranking.confidence}).`;
}

/** The first `count` candidates as short lines, for the report's evidence or a tool result. */
export function describeRanking(ranking: Ranking, count = 3): string[] {
  return ranking.candidates.slice(0, count).map((candidate, index) => {
    const lines = candidate.evidence.slice(0, 2).map((item) => item.what);
    return `${index + 1}. ${candidate.service} — ${candidate.kind}, score ${candidate.score.toFixed(1)}${lines.length ? `: ${lines.join('; ')}` : ''}`;
  });
}

export interface Verdict {
  /** The first candidate's service and kind; none when nothing moved. */
  service?: string;
  kind?: CauseKind;
  rootCause: string;
  confidence: Confidence;
}

/** What a report's root-cause fields take from a ranking. */
export function verdictOf(ranking: Ranking): Verdict {
  const [top] = ranking.candidates;
  return { ...(top ? { service: top.service, kind: top.kind } : {}), rootCause: rootCauseText(ranking), confidence: ranking.confidence };
}
