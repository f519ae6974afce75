// runCheck itself: dispatch through the registry, bounded details, cancellation,
// and what counts as a programming error.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { probes, runCheck, type CheckSpec } from '../../lib/adapters/checks';
import { bounded, DETAIL_MAX } from '../../lib/core/checks/detail';

describe('runCheck', () => {
  it('has one probe per check type', () => {
    assert.deepEqual(Object.keys(probes).sort(), ['grpc', 'http', 'script', 'tcp']);
  });

  it('throws for an unknown check type (config validation should have refused it)', async () => {
    await assert.rejects(runCheck({ type: 'smtp' } as unknown as CheckSpec), /unknown check type "smtp"/);
    await assert.rejects(runCheck({ type: 'toString' } as unknown as CheckSpec), /unknown check type/);
  });

  it('throws for a timeout that is not positive', async () => {
    await assert.rejects(runCheck({ type: 'script', argv: ['/bin/true'], timeoutMs: 0 }), RangeError);
  });

  it('bounds the detail', async () => {
    const result = await runCheck({ type: 'script', argv: [`/nonexistent/${'x'.repeat(2_000)}`] });
    assert.equal(result.up, false);
    assert.equal(result.detail.length, DETAIL_MAX);
    assert.ok(result.detail.endsWith('…'));
    assert.equal(bounded('short'), 'short');
  });

  it('stops, down and without retrying, when the caller cancels', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await runCheck(
      { type: 'script', argv: ['sleep', '5'], timeoutMs: 10_000, retry: { retries: 3 } },
      { signal: controller.signal, sleep: async () => assert.fail('no retry after cancellation') },
    );
    assert.equal(result.up, false);
    assert.equal(result.attempts, 1);
    assert.match(result.detail, /sleep: cancelled/);
  });

  it('reports the latency of the last attempt from the injected clock', async () => {
    let tick = 0;
    const result = await runCheck({ type: 'script', argv: ['/bin/true'] }, { now: () => (tick += 7) });
    assert.equal(result.latencyMs, 7);
  });

  it('retries a down check and reports every attempt', async () => {
    const slept: number[] = [];
    const result = await runCheck({ type: 'script', argv: ['/bin/false'], retry: { retries: 2, baseDelayMs: 40, factor: 3 } }, { jitter: () => 0.25, sleep: async (ms) => void slept.push(ms) });
    assert.deepEqual([result.up, result.attempts, result.detail], [false, 3, 'exit 1']);
    assert.deepEqual(slept, [10, 30]);
  });
});
