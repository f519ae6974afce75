// Self-heal limits and sync windows, pure.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffMs, DEFAULT_HEAL_POLICY, healDecision, isContested, NEW_EPISODE, noteApply, noteDrift } from '../../lib/core/drift/heal';
import { syncAllowed } from '../../lib/core/drift/windows';

describe('self-heal backoff and give-up', () => {
  const policy = { ...DEFAULT_HEAL_POLICY, maxAttempts: 4 };

  it('backs off 2 s, doubling, capped at 300 s', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((attempt) => backoffMs(attempt, DEFAULT_HEAL_POLICY)),
      [0, 2_000, 4_000, 8_000, 16_000],
    );
    assert.equal(backoffMs(20, DEFAULT_HEAL_POLICY), 300_000);
  });

  it('applies at once, then waits for the backoff, then gives up as contested against a target that reverts every apply', () => {
    let episode = NEW_EPISODE;
    let now = 1_000_000;
    assert.deepEqual(healDecision(episode, now, policy), { kind: 'apply', attempt: 1 });
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      const decision = healDecision(episode, now, policy);
      if (attempt > 1) {
        assert.equal(decision.kind, 'wait');
        now = (decision as { until: number }).until;
      }
      assert.deepEqual(healDecision(episode, now, policy), { kind: 'apply', attempt });
      episode = noteApply(episode, now, ['web'], true);
      episode = noteDrift(episode, ['web']); // the other controller put it back
    }
    assert.ok(isContested(episode, policy));
    const decision = healDecision(episode, now + 1_000_000, policy);
    assert.equal(decision.kind, 'give-up');
    assert.equal((decision as { contested: boolean }).contested, true);
    assert.match((decision as { reason: string }).reason, /drifted back after each of 4 applies/);
  });

  it('is not contested when a different object drifts, or when applies fail', () => {
    let episode = noteApply(NEW_EPISODE, 0, ['a'], true);
    episode = noteDrift(episode, ['b']);
    assert.equal(episode.redrifts, 0);
    episode = noteApply(episode, 10, ['b'], false);
    episode = noteDrift(episode, ['b']);
    assert.equal(episode.redrifts, 0);
    assert.equal(healDecision({ ...episode, attempts: 4 }, 1e9, policy).kind, 'give-up');
    assert.match((healDecision({ ...episode, attempts: 4 }, 1e9, policy) as { reason: string }).reason, /still drifted after 4 attempts/);
    assert.equal(healDecision({ ...episode, gaveUp: { at: 1, reason: 'x', contested: false } }, 1e9, policy).kind, 'stopped');
  });
});

describe('sync windows', () => {
  const at = (iso: string) => Date.parse(iso);
  const allowNights = { kind: 'allow' as const, cron: '0 22 * * *', durationMs: 4 * 3_600_000, timezone: 'UTC' };
  const denyFriday = { kind: 'deny' as const, cron: '0 0 * * 5', durationMs: 24 * 3_600_000, timezone: 'UTC' };

  it('allows anything without windows', () => {
    assert.deepEqual(syncAllowed([], at('2026-11-23T12:00:00Z')), { allowed: true });
  });

  it('allows only inside an allow window', () => {
    assert.equal(syncAllowed([allowNights], at('2026-11-23T23:30:00Z')).allowed, true);
    assert.equal(syncAllowed([allowNights], at('2026-11-24T01:59:00Z')).allowed, true);
    const outside = syncAllowed([allowNights], at('2026-11-23T12:00:00Z'));
    assert.equal(outside.allowed, false);
    assert.match(outside.reason!, /outside the allow windows \("0 22 \* \* \*"\)/);
  });

  it('a deny window wins over an allow window', () => {
    // 2026-11-27 is a Friday.
    const verdict = syncAllowed([allowNights, denyFriday], at('2026-11-27T23:00:00Z'));
    assert.equal(verdict.allowed, false);
    assert.match(verdict.reason!, /in deny window "0 0 \* \* 5" until 2026-11-28T00:00:00.000Z/);
    assert.equal(syncAllowed([allowNights, denyFriday], at('2026-11-26T23:00:00Z')).allowed, true);
  });

  it('follows the time zone', () => {
    const berlin = { ...allowNights, timezone: 'Europe/Berlin' };
    assert.equal(syncAllowed([berlin], at('2026-11-23T21:30:00Z')).allowed, true, '22:30 in Berlin');
    assert.equal(syncAllowed([berlin], at('2026-11-23T20:30:00Z')).allowed, false);
  });
});
