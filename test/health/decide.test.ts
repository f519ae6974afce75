import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, type DecisionInput } from '../../lib/core/health/decide';

const minute = 60_000;
const base: DecisionInput = {
  now: 100 * minute,
  status: 'unhealthy',
  ladderLength: 3,
  ladderIndex: 0,
  actionTimes: [],
  transitionTimes: [],
  limits: { cooldownMs: minute, maxActions: 3, windowMs: 15 * minute },
  flapping: { transitions: 6, windowMs: 10 * minute },
  gaveUp: false,
  paused: false,
  unhealthyDependencies: [],
};

describe('remediation decision', () => {
  it('acts with the next step of the ladder', () => {
    assert.deepEqual(decide(base), { kind: 'act', step: 0 });
    assert.deepEqual(decide({ ...base, ladderIndex: 2, actionTimes: [90 * minute, 95 * minute] }), { kind: 'act', step: 2 });
  });

  it('does nothing unless unhealthy, after giving up, or without a ladder', () => {
    for (const status of ['healthy', 'degraded', 'unknown'] as const) assert.deepEqual(decide({ ...base, status }), { kind: 'none' });
    assert.deepEqual(decide({ ...base, gaveUp: true }), { kind: 'none' });
    assert.deepEqual(decide({ ...base, ladderLength: 0 }), { kind: 'none' });
  });

  it('holds off while paused, in maintenance, or while a dependency is down', () => {
    assert.deepEqual(decide({ ...base, paused: true }), { kind: 'suppressed', reason: 'paused' });
    assert.match((decide({ ...base, maintenanceUntil: 101 * minute }) as { reason: string }).reason, /^maintenance window until/);
    assert.deepEqual(decide({ ...base, unhealthyDependencies: ['db'] }), { kind: 'suppressed', reason: 'depends on db, which is unhealthy' });
  });

  it('waits for the last action to settle, and for the cooldown', () => {
    assert.deepEqual(decide({ ...base, ladderIndex: 1, actionTimes: [99 * minute], settleUntil: 101 * minute }), {
      kind: 'wait',
      until: 101 * minute,
      reason: 'letting the last action settle',
    });
    assert.deepEqual(decide({ ...base, ladderIndex: 1, actionTimes: [99.5 * minute] }), { kind: 'wait', until: 100.5 * minute, reason: 'cooldown' });
  });

  it('gives up at the cap, when flapping, and when the ladder is exhausted', () => {
    assert.match((decide({ ...base, ladderIndex: 1, actionTimes: [90, 92, 94].map((m) => m * minute) }) as { reason: string }).reason, /^3 actions within 15 min/);
    const flapping = decide({ ...base, transitionTimes: [91, 92, 93, 94, 95, 96].map((m) => m * minute) });
    assert.deepEqual(flapping.kind, 'give-up');
    assert.match((decide({ ...base, ladderIndex: 3, actionTimes: [80 * minute] }) as { reason: string }).reason, /every remediation step was tried/);
  });
});
