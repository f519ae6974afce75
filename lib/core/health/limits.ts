// Remediation limits, as pure functions over the recent actions' times, so a
// service is never restarted in a storm: a cooldown between actions, at most
// `maxActions` within `windowMs` (like Monit's "3 restarts within 5 cycles"),
// and flapping (too many up/down transitions within a window) means give up.
// Times are epoch milliseconds passed in by the caller (workflow time).
import type { ActionSpec } from '../actions/types';

export interface RemediationLimits {
  /** Least time between two actions on the service. */
  cooldownMs: number;
  /** At most this many actions within `windowMs`; one more means give up. */
  maxActions: number;
  windowMs: number;
  /**
   * After turning unhealthy, a service with dependencies is held this long before its
   * first action, so that a dependency failing at the same time (or noticed a little
   * later) suppresses it instead (`remediation.dependencyGrace`; absent: the default).
   */
  dependencyGraceMs?: number;
}

export const DEFAULT_DEPENDENCY_GRACE_MS = 30_000;

/** How long a notify action may take: it has no timeout of its own. */
export const NOTIFY_ACTION_TIMEOUT_MS = 10_000;

/** The action's own bound: the runner stops it after this long, whatever Temporal does. */
export function actionTimeoutMs(action: ActionSpec): number {
  return action.type === 'notify' ? NOTIFY_ACTION_TIMEOUT_MS : action.timeoutMs;
}

export const DEFAULT_LIMITS: RemediationLimits = { cooldownMs: 60_000, maxActions: 3, windowMs: 15 * 60_000 };

export interface FlapRule {
  /** This many status transitions within `windowMs` is flapping. */
  transitions: number;
  windowMs: number;
}

export const DEFAULT_FLAP_RULE: FlapRule = { transitions: 6, windowMs: 10 * 60_000 };

export type RemediationVerdict =
  { allowed: true; usedInWindow: number } | { allowed: false; reason: 'cooldown'; retryAt: number; usedInWindow: number } | { allowed: false; reason: 'capped'; usedInWindow: number };

/** Keeps only the times inside the window ending at `now` (bounded state for continue-as-new). */
export function withinWindow(times: number[], now: number, windowMs: number): number[] {
  return times.filter((time) => time > now - windowMs && time <= now);
}

export function remediationVerdict(actionTimes: number[], now: number, limits: RemediationLimits = DEFAULT_LIMITS): RemediationVerdict {
  const recent = withinWindow(actionTimes, now, limits.windowMs);
  if (recent.length >= limits.maxActions) return { allowed: false, reason: 'capped', usedInWindow: recent.length };
  const last = Math.max(...actionTimes, Number.NEGATIVE_INFINITY);
  if (now - last < limits.cooldownMs) return { allowed: false, reason: 'cooldown', retryAt: last + limits.cooldownMs, usedInWindow: recent.length };
  return { allowed: true, usedInWindow: recent.length };
}

export function isFlapping(transitionTimes: number[], now: number, rule: FlapRule = DEFAULT_FLAP_RULE): boolean {
  return withinWindow(transitionTimes, now, rule.windowMs).length >= rule.transitions;
}
