import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_FLAP_RULE, isFlapping, remediationVerdict, withinWindow } from '../../lib/core/health/limits';
import { applyRound, INITIAL_COUNTERS, type HealthCounters, type RoundOutcome, type Transition } from '../../lib/core/health/state';

const UP: RoundOutcome = { up: true, anomalous: false };
const DOWN: RoundOutcome = { up: false, anomalous: false };
const SLOW: RoundOutcome = { up: true, anomalous: true };

function run(outcomes: RoundOutcome[], thresholds = { failureThreshold: 3, successThreshold: 2 }) {
  let counters: HealthCounters = INITIAL_COUNTERS;
  const statuses: string[] = [];
  const transitions: Transition[] = [];
  for (const outcome of outcomes) {
    const next = applyRound(counters, outcome, thresholds);
    counters = next.counters;
    statuses.push(counters.status);
    if (next.transition) transitions.push(next.transition);
  }
  return { counters, statuses, transitions };
}

describe('health state machine', () => {
  it('goes healthy on the first passing round, and unhealthy only after failureThreshold failures in a row', () => {
    const { statuses, transitions } = run([UP, DOWN, DOWN, DOWN, DOWN]);
    assert.deepEqual(statuses, ['healthy', 'healthy', 'healthy', 'unhealthy', 'unhealthy']);
    assert.deepEqual(transitions, [
      { from: 'unknown', to: 'healthy' },
      { from: 'healthy', to: 'unhealthy' },
    ]);
  });

  it('forgives failures that a pass interrupts', () => {
    assert.deepEqual(run([UP, DOWN, DOWN, UP, DOWN, DOWN, UP]).statuses.at(-1), 'healthy');
  });

  it('recovers only after successThreshold passes in a row', () => {
    const { statuses } = run([DOWN, DOWN, DOWN, UP, DOWN, UP, UP]);
    assert.deepEqual(statuses, ['unknown', 'unknown', 'unhealthy', 'unhealthy', 'unhealthy', 'unhealthy', 'healthy']);
  });

  it('is degraded while passing with an anomaly, and healthy again without', () => {
    assert.deepEqual(run([UP, SLOW, SLOW, UP]).statuses, ['healthy', 'degraded', 'degraded', 'healthy']);
    assert.equal(run([DOWN, DOWN, DOWN, SLOW, SLOW]).statuses.at(-1), 'degraded', 'recovers into degraded when still anomalous');
  });

  it('honours custom thresholds', () => {
    assert.equal(run([UP, DOWN], { failureThreshold: 1, successThreshold: 1 }).statuses.at(-1), 'unhealthy');
    assert.equal(run([DOWN, UP], { failureThreshold: 1, successThreshold: 1 }).statuses.at(-1), 'healthy');
  });

  it('counts a failure once: a round down only on an earlier failure changes no counter', () => {
    const REPEAT: RoundOutcome = { up: false, anomalous: false, repeatsEarlierFailure: true };
    // A slow check fails once; the fast one passes in the rounds until the slow one runs again.
    assert.deepEqual(run([UP, DOWN, REPEAT, REPEAT, REPEAT, UP]).statuses, ['healthy', 'healthy', 'healthy', 'healthy', 'healthy', 'healthy']);
    assert.deepEqual(run([UP, DOWN, REPEAT, REPEAT]).counters, { status: 'healthy', consecutiveFailures: 1, consecutiveSuccesses: 0 });
    // The slow check keeps failing: each of its own failures counts.
    assert.deepEqual(run([UP, DOWN, REPEAT, DOWN, REPEAT, DOWN]).statuses, ['healthy', 'healthy', 'healthy', 'healthy', 'healthy', 'unhealthy']);
    // Recovery still needs every view up: a repeated failure is no success.
    assert.deepEqual(run([DOWN, DOWN, DOWN, UP, REPEAT, UP]).statuses.slice(3), ['unhealthy', 'unhealthy', 'healthy']);
  });

  it('survives a JSON round trip (continue-as-new) unchanged', () => {
    const { counters } = run([UP, DOWN, DOWN]);
    const revived = JSON.parse(JSON.stringify(counters)) as HealthCounters;
    assert.deepEqual(applyRound(revived, DOWN), applyRound(counters, DOWN));
    assert.equal(applyRound(revived, DOWN).counters.status, 'unhealthy');
  });
});

describe('remediation limits', () => {
  const limits = { cooldownMs: 60_000, maxActions: 3, windowMs: 15 * 60_000 };
  const minute = 60_000;

  it('allows the first action', () => {
    assert.deepEqual(remediationVerdict([], 1_000_000, limits), { allowed: true, usedInWindow: 0 });
  });

  it('refuses inside the cooldown and says when it ends', () => {
    const verdict = remediationVerdict([10 * minute], 10 * minute + 30_000, limits);
    assert.deepEqual(verdict, { allowed: false, reason: 'cooldown', retryAt: 11 * minute, usedInWindow: 1 });
    assert.equal(remediationVerdict([10 * minute], 11 * minute, limits).allowed, true);
  });

  it('caps at maxActions within the window, and allows again once the oldest leaves it', () => {
    const times = [10 * minute, 12 * minute, 14 * minute];
    assert.deepEqual(remediationVerdict(times, 16 * minute, limits), { allowed: false, reason: 'capped', usedInWindow: 3 });
    assert.equal(remediationVerdict(times, 25 * minute + 1, limits).allowed, true);
  });

  it('keeps only the times inside the window', () => {
    assert.deepEqual(withinWindow([1, 5, 10, 20], 20, 10), [20]);
    assert.deepEqual(withinWindow([1, 5, 11, 20], 20, 10), [11, 20]);
  });

  it('calls it flapping at the configured number of transitions within the window', () => {
    const at = (minutes: number[]) => minutes.map((m) => m * minute);
    assert.equal(isFlapping(at([1, 2, 3, 4, 5]), 6 * minute, DEFAULT_FLAP_RULE), false);
    assert.equal(isFlapping(at([1, 2, 3, 4, 5, 6]), 6 * minute, DEFAULT_FLAP_RULE), true);
    assert.equal(isFlapping(at([1, 2, 3, 4, 5, 6]), 12 * minute, DEFAULT_FLAP_RULE), false, 'old transitions age out');
  });
});
