import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, dependencyHold, inDoubtHold, type DecisionInput } from '../../lib/core/health/decide';

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
  dependencies: {},
  dependencyGraceMs: 30_000,
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
    assert.deepEqual(decide({ ...base, dependencies: { db: 'unhealthy' } }), { kind: 'suppressed', reason: 'depends on db, which is unhealthy' });
    assert.deepEqual(decide({ ...base, dependencies: { db: 'unhealthy', cache: 'unhealthy', queue: 'healthy' } }), { kind: 'suppressed', reason: 'depends on db, cache, which are unhealthy' });
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

  describe('dependencies failing together', () => {
    const since = 99.9 * minute;
    const dependent = { ...base, unhealthySince: since, dependencies: { db: 'healthy' as const } };

    it('holds a dependent that has just turned unhealthy for the grace, while its dependency still looks fine', () => {
      const held = decide(dependent);
      assert.equal(held.kind, 'wait');
      assert.equal((held as { until: number }).until, since + 30_000);
      assert.match((held as { reason: string }).reason, /^grace for its dependencies \(db healthy\)/);
      // A dependency with no loop and no record is no reason to hold it longer.
      assert.equal(decide({ ...dependent, dependencies: { db: 'unknown' }, now: since + 30_000 }).kind, 'act');
    });

    it('suppresses it as soon as the dependency is down, inside the grace or after it', () => {
      for (const now of [since + 1_000, since + 10 * minute]) {
        assert.deepEqual(decide({ ...dependent, now, dependencies: { db: 'unhealthy' } }), { kind: 'suppressed', reason: 'depends on db, which is unhealthy' });
      }
    });

    it('lets it act once the grace is over and the dependency stayed up', () => {
      assert.deepEqual(decide({ ...dependent, now: since + 30_000 }), { kind: 'act', step: 0 });
      assert.deepEqual(decide({ ...dependent, now: since + 30_000, dependencies: { db: 'degraded' } }), { kind: 'act', step: 0 });
    });

    it('holds it for the grace again once a dependency that was down recovers: its own checks may pass again', () => {
      const recoveredAt = since + 5 * minute;
      const after = { ...dependent, dependencyDownAt: recoveredAt };
      const held = decide({ ...after, now: recoveredAt + 1_000 });
      assert.deepEqual(held, { kind: 'wait', until: recoveredAt + 30_000, reason: 'grace after its dependencies recovered (db healthy): its own checks may pass again' });
      assert.deepEqual(decide({ ...after, now: recoveredAt + 30_000 }), { kind: 'act', step: 0 });
      // A dependency that was down before this service turned unhealthy is no reason for a second grace.
      assert.deepEqual(decide({ ...dependent, dependencyDownAt: since - minute, now: since + 30_000 }), { kind: 'act', step: 0 });
    });

    it('does not hold a service without dependencies, and a grace of 0 holds nobody', () => {
      assert.equal(dependencyHold({ now: since, unhealthySince: since, dependencies: {}, dependencyGraceMs: 30_000 }), undefined);
      assert.equal(dependencyHold({ now: since, unhealthySince: since, dependencies: { db: 'healthy' }, dependencyGraceMs: 0 }), undefined);
    });
  });

  describe('an action in doubt', () => {
    const inDoubt = { key: 'health/x/1', step: 'restart', checkAfter: 99 * minute };

    it('holds the ladder (no next step, no give-up) until a check ran after the action must have ended', () => {
      for (const lastCheckAt of [undefined, 98 * minute, 99 * minute]) {
        const held = decide({ ...base, ladderIndex: 1, actionTimes: [98 * minute], inDoubt, lastCheckAt });
        assert.equal(held.kind, 'wait');
        assert.equal((held as { until: number }).until, 99 * minute);
        assert.match((held as { reason: string }).reason, /^the outcome of restart is in doubt .*waiting for a check after it/);
      }
      // The last step was in doubt: no give-up ("every step was tried") before the check either.
      assert.equal(decide({ ...base, ladderIndex: 3, inDoubt, lastCheckAt: 98 * minute }).kind, 'wait');
    });

    it('climbs on once a check after it still finds the service unhealthy', () => {
      assert.deepEqual(decide({ ...base, ladderIndex: 1, actionTimes: [90 * minute], inDoubt, lastCheckAt: 99.5 * minute }), { kind: 'act', step: 1 });
      assert.equal(inDoubtHold({ inDoubt: undefined, lastCheckAt: undefined }), undefined);
    });

    it('is no reason to act while paused or while a dependency is down', () => {
      assert.deepEqual(decide({ ...base, paused: true, inDoubt }), { kind: 'suppressed', reason: 'paused' });
      assert.equal(decide({ ...base, inDoubt, dependencies: { db: 'unhealthy' } }).kind, 'suppressed');
    });
  });
});
