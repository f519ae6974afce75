// Self-heal limits: backoff between applies (2 s, doubling, capped), a maximum
// of attempts per drift episode, and "contested": an object that drifts back
// right after each successful apply is being fought over by another controller.
// Pure; the drift workflow calls it with its carried state.

export interface HealPolicy {
  initialBackoffMs: number;
  maxBackoffMs: number;
  maxAttempts: number;
  /** Drifting back after this many successful applies in a row makes the app contested. */
  contestedAfter: number;
}

export const DEFAULT_HEAL_POLICY: HealPolicy = { initialBackoffMs: 2_000, maxBackoffMs: 300_000, maxAttempts: 5, contestedAfter: 2 };

/** Wait before attempt `attempt` (1-based) following the previous one: 0, then 2 s, 4 s, ... capped. */
export function backoffMs(attempt: number, policy: HealPolicy): number {
  if (attempt <= 1) return 0;
  return Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (attempt - 2));
}

/** One drift episode of self-healing: from first drift until in sync again (or the desired revision changes). */
export interface HealEpisode {
  attempts: number;
  /** Successful applies after which the same objects drifted again, in a row. */
  redrifts: number;
  lastApplyAt?: number;
  /** The objects the last successful apply fixed. */
  lastApplied?: string[];
  gaveUp?: { at: number; reason: string; contested: boolean };
}

export const NEW_EPISODE: HealEpisode = { attempts: 0, redrifts: 0 };

export type HealDecision =
  { kind: 'apply'; attempt: number } | { kind: 'wait'; until: number; attempt: number } | { kind: 'give-up'; reason: string; contested: boolean } | { kind: 'stopped'; reason: string };

/** Called when a check found drift: apply now, wait for the backoff, or give up. */
export function healDecision(episode: HealEpisode, now: number, policy: HealPolicy): HealDecision {
  if (episode.gaveUp) return { kind: 'stopped', reason: `gave up: ${episode.gaveUp.reason}` };
  const contested = episode.redrifts >= policy.contestedAfter;
  if (episode.attempts >= policy.maxAttempts) {
    const reason = contested
      ? `drifted back after each of ${episode.redrifts} applies: another controller owns these fields (add them to ignore, or stop it)`
      : `still drifted after ${episode.attempts} attempts`;
    return { kind: 'give-up', reason, contested };
  }
  const attempt = episode.attempts + 1;
  const due = (episode.lastApplyAt ?? 0) + backoffMs(attempt, policy);
  if (episode.lastApplyAt !== undefined && due > now) return { kind: 'wait', until: due, attempt };
  return { kind: 'apply', attempt };
}

/** After a check that found drift on `drifted` objects: counts a re-drift if they were just fixed. */
export function noteDrift(episode: HealEpisode, drifted: readonly string[]): HealEpisode {
  const redrifted = Boolean(episode.lastApplied?.some((object) => drifted.includes(object)));
  return { ...episode, redrifts: redrifted ? episode.redrifts + 1 : episode.redrifts, lastApplied: redrifted ? undefined : episode.lastApplied };
}

export function noteApply(episode: HealEpisode, at: number, applied: readonly string[], succeeded: boolean): HealEpisode {
  return { ...episode, attempts: episode.attempts + 1, lastApplyAt: at, lastApplied: succeeded ? [...applied] : undefined };
}

export function isContested(episode: HealEpisode, policy: HealPolicy): boolean {
  return episode.redrifts >= policy.contestedAfter;
}
