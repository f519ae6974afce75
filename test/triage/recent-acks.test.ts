// The intake's memory of Temporal's answers: remembered for the TTL, joined while
// in flight, forgotten on failure, bounded in size.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IntakeOutcome } from '../../api/routes/triage/intake';
import { RecentAcks } from '../../api/routes/triage/recent-acks';

function counter(outcome: IntakeOutcome = 'started') {
  const calls: string[] = [];
  return { calls, start: (id: string) => () => (calls.push(id), Promise.resolve(outcome)) };
}

describe('recent acks', () => {
  it('answers a repeat within the TTL without asking again, and asks again after it', async () => {
    let now = 1_000;
    const acks = new RecentAcks(60_000, 100, () => now);
    const temporal = counter();
    assert.equal(await acks.answer('a', temporal.start('a')), 'started');
    now += 59_999;
    assert.equal(await acks.answer('a', temporal.start('a')), 'repeat');
    now += 1;
    assert.equal(await acks.answer('a', temporal.start('a')), 'started');
    assert.deepEqual(temporal.calls, ['a', 'a']);
  });

  it('joins identical starts in flight: one call, one started, the others repeats', async () => {
    const acks = new RecentAcks(60_000);
    let release: (outcome: IntakeOutcome) => void = () => undefined;
    let calls = 0;
    const start = () => ((calls += 1), new Promise<IntakeOutcome>((resolve) => (release = resolve)));
    const answers = Promise.all([acks.answer('a', start), acks.answer('a', start), acks.answer('a', start)]);
    release('started');
    assert.deepEqual(await answers, ['started', 'repeat', 'repeat']);
    assert.equal(calls, 1);
  });

  it('forgets a failed start at once, so the retry asks Temporal again', async () => {
    const acks = new RecentAcks(60_000);
    const down = () => Promise.reject(new Error('Temporal did not answer'));
    const [first, joined] = [acks.answer('a', down), acks.answer('a', down)];
    await assert.rejects(first, /did not answer/);
    await assert.rejects(joined, /did not answer/);
    const temporal = counter();
    assert.equal(await acks.answer('a', temporal.start('a')), 'started');
    assert.deepEqual(temporal.calls, ['a']);
  });

  it('keeps at most maxEntries, dropping the oldest', async () => {
    const acks = new RecentAcks(60_000, 2);
    const temporal = counter();
    for (const id of ['a', 'b', 'c']) await acks.answer(id, temporal.start(id));
    assert.equal(acks.size, 2);
    assert.equal(await acks.answer('c', temporal.start('c')), 'repeat');
    assert.equal(await acks.answer('a', temporal.start('a')), 'started', 'the oldest was forgotten');
  });

  it('with a TTL of 0 always asks', async () => {
    const acks = new RecentAcks(0);
    const temporal = counter();
    await acks.answer('a', temporal.start('a'));
    await acks.answer('a', temporal.start('a'));
    assert.deepEqual(temporal.calls, ['a', 'a']);
  });
});
