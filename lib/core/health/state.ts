// The service state machine, as pure functions the health workflow calls on
// every check round. Consecutive failures past `failureThreshold` make a
// service unhealthy; consecutive successes past `successThreshold` bring it
// back; an anomaly on an otherwise passing service makes it degraded.
// Everything here is plain JSON and deterministic (workflow code imports it).

export type HealthStatus = 'unknown' | 'healthy' | 'degraded' | 'unhealthy';

export interface Thresholds {
  /** Consecutive failed rounds before the service is unhealthy (default 3). */
  failureThreshold: number;
  /** Consecutive passing rounds before an unhealthy service is healthy again (default 2). */
  successThreshold: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { failureThreshold: 3, successThreshold: 2 };

export interface HealthCounters {
  status: HealthStatus;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
}

export const INITIAL_COUNTERS: HealthCounters = { status: 'unknown', consecutiveFailures: 0, consecutiveSuccesses: 0 };

/** What one check round found: did every check pass, and is anything anomalous? */
export interface RoundOutcome {
  up: boolean;
  anomalous: boolean;
  /**
   * Down only because a source that did not run this round failed when it last
   * ran. That failure was counted then. Counting it again every round would turn
   * one failure of a slow check (every 60 s) into a streak of the fast check's
   * rounds (every 5 s), so such a round changes no counter.
   */
  repeatsEarlierFailure?: boolean;
}

export interface Transition {
  from: HealthStatus;
  to: HealthStatus;
}

/** Applies one round; returns the new counters and the transition, if the status changed. */
export function applyRound(counters: HealthCounters, outcome: RoundOutcome, thresholds: Thresholds = DEFAULT_THRESHOLDS): { counters: HealthCounters; transition?: Transition } {
  if (!outcome.up && outcome.repeatsEarlierFailure) return { counters };
  const consecutiveFailures = outcome.up ? 0 : counters.consecutiveFailures + 1;
  const consecutiveSuccesses = outcome.up ? counters.consecutiveSuccesses + 1 : 0;
  const status = nextStatus(counters.status, outcome, consecutiveFailures, consecutiveSuccesses, thresholds);
  const next = { status, consecutiveFailures, consecutiveSuccesses };
  return status === counters.status ? { counters: next } : { counters: next, transition: { from: counters.status, to: status } };
}

function nextStatus(current: HealthStatus, outcome: RoundOutcome, failures: number, successes: number, { failureThreshold, successThreshold }: Thresholds): HealthStatus {
  if (!outcome.up) {
    if (failures >= failureThreshold) return 'unhealthy';
    // A few failures do not make a healthy service unhealthy yet; an unknown one stays unknown.
    return current;
  }
  const passing: HealthStatus = outcome.anomalous ? 'degraded' : 'healthy';
  if (current === 'unhealthy') return successes >= successThreshold ? passing : 'unhealthy';
  return passing;
}
