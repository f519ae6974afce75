// Backoff maths (pure, with injected jitter) and the retry loop's bookkeeping.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, withRetries } from '../../lib/core/checks/retry';

describe('backoffDelay', () => {
  const policy = { baseDelayMs: 100, maxDelayMs: 1_000, factor: 2 };

  it('is the jitter fraction of an exponentially growing ceiling', () => {
    const half = () => 0.5;
    assert.deepEqual(
      [1, 2, 3, 4].map((retry) => backoffDelay(retry, policy, half)),
      [50, 100, 200, 400],
    );
  });

  it('caps the ceiling at maxDelayMs', () => {
    const almostOne = () => 0.999;
    assert.deepEqual(
      [4, 5, 6, 20].map((retry) => backoffDelay(retry, policy, almostOne)),
      [799, 999, 999, 999],
    );
  });

  it('draws from the whole range (full jitter): 0 at the bottom', () => {
    assert.equal(
      backoffDelay(3, policy, () => 0),
      0,
    );
  });

  it('uses the defaults (200 ms base, factor 2, 5 s cap)', () => {
    const justUnderOne = () => 0.9999999;
    assert.deepEqual(
      [1, 2, 3, 6, 7].map((retry) => backoffDelay(retry, {}, justUnderOne)),
      [199, 399, 799, 4999, 4999],
    );
  });

  it('refuses a retry number below 1', () => {
    assert.throws(() => backoffDelay(0, policy), RangeError);
  });
});

describe('withRetries', () => {
  it('stops at the first success and sleeps the backoff delays in between', async () => {
    const slept: number[] = [];
    const results = [false, false, true, true];
    const { value, attempts } = await withRetries(
      async (n) => results[n - 1],
      (ok) => ok,
      {
        policy: { retries: 5, baseDelayMs: 100 },
        jitter: () => 0.5,
        sleep: async (ms) => void slept.push(ms),
      },
    );
    assert.equal(value, true);
    assert.equal(attempts, 3);
    assert.deepEqual(slept, [50, 100]);
  });

  it('gives up after the retries are used', async () => {
    let calls = 0;
    const { value, attempts } = await withRetries(
      async () => ++calls,
      () => false,
      { policy: { retries: 2 }, sleep: async () => {} },
    );
    assert.deepEqual([value, attempts, calls], [3, 3, 3]);
  });

  it('does not retry without a policy', async () => {
    const { attempts } = await withRetries(
      async () => false,
      (ok) => ok,
      { sleep: async () => assert.fail('no sleep expected') },
    );
    assert.equal(attempts, 1);
  });

  it('stops retrying once cancelled', async () => {
    const controller = new AbortController();
    const { attempts } = await withRetries(
      async () => {
        controller.abort();
        return false;
      },
      (ok) => ok,
      { policy: { retries: 3 }, signal: controller.signal },
    );
    assert.equal(attempts, 1);
  });

  it('lets a thrown error through (a programming error is not retried)', async () => {
    let calls = 0;
    await assert.rejects(
      withRetries(
        async () => {
          calls += 1;
          throw new TypeError('bug');
        },
        () => false,
        { policy: { retries: 3 }, sleep: async () => {} },
      ),
      TypeError,
    );
    assert.equal(calls, 1);
  });
});
