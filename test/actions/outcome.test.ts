// A remediation action keeps running when Temporal gives up on its attempt, and
// its real outcome is stored once (issue 18, finding 2). Only an explicit cancel
// stops it. The activity runs in a mock activity context over a real PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActionActivities, explicitCancelOf, IN_DOUBT_DETAIL, type ActionInput, type ActionResult } from '../../activities/actions';
import { createLogger } from '../../lib/adapters/log';
import { createTestDatabase, testConfig, uniqueName, type TestDatabase } from '../helpers/harness';

describe('an action and its cancellations', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('action_outcome');
  });
  after(async () => {
    await db.close();
  });

  const run = (env: MockActivityEnvironment, input: ActionInput): Promise<ActionResult> =>
    env.run(createActionActivities({ pool: db.pool, config: testConfig(), log: createLogger('silent'), identity: 'test' }).runAction, input);
  const sleeping = (seconds: number, timeoutMs = 10_000): ActionInput => ({
    key: uniqueName('key'),
    service: 'svc',
    step: 'restart',
    action: { type: 'exec', argv: ['/bin/sleep', String(seconds)], timeoutMs, expectedExitCodes: [0] },
    decidedBy: 'vigil',
    reason: 'test',
  });
  const row = async (key: string) => (await db.pool.query('SELECT status, output FROM remediation_actions WHERE idempotency_key = $1', [key])).rows[0];

  it('follows only an explicit cancel', () => {
    for (const [reason, followed] of [
      ['CANCELLED', true],
      ['TIMED_OUT', false],
      ['NOT_FOUND', false],
      ['WORKER_SHUTDOWN', false],
    ] as const) {
      const source = new AbortController();
      const signal = explicitCancelOf(source.signal);
      source.abort(new Error(reason));
      assert.equal(signal.aborted, followed, reason);
    }
  });

  for (const reason of ['TIMED_OUT', 'NOT_FOUND', 'WORKER_SHUTDOWN'] as const) {
    it(`runs to its end when Temporal gives up on the attempt (${reason}), and stores its real outcome`, async () => {
      const env = new MockActivityEnvironment();
      const input = sleeping(1.5);
      const started = Date.now();
      const running = run(env, input);
      setTimeout(() => env.cancel(reason), 300);
      const result = await running;
      assert.ok(Date.now() - started >= 1_400, 'the program was not killed');
      assert.deepEqual([result.status, result.detail, result.replayed], ['succeeded', 'exit 0', false]);
      assert.deepEqual(await row(input.key), { status: 'succeeded', output: 'exit 0\n' });
    });
  }

  it('stops early on an explicit cancel request', async () => {
    const env = new MockActivityEnvironment();
    const input = sleeping(5);
    const running = run(env, input);
    setTimeout(() => env.cancel('CANCELLED'), 300);
    const result = await running;
    assert.equal(result.status, 'failed');
    assert.match(result.detail, /^cancelled on request/);
    assert.equal((await row(input.key)).status, 'failed');
  });

  it('a later attempt waits for a running action and takes its outcome instead of calling it in doubt', async () => {
    const input = sleeping(1.5);
    const first = run(new MockActivityEnvironment(), input);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = await run(new MockActivityEnvironment(), input);
    assert.deepEqual([second.status, second.replayed], ['succeeded', true]);
    assert.equal((await first).status, 'succeeded');
  });

  it('calls an action in doubt once it must have ended with no outcome stored', async () => {
    const input = sleeping(1, 500);
    // Claimed by an attempt whose worker died: the row stays running.
    await db.pool.query(
      `INSERT INTO remediation_actions (idempotency_key, service, step, action_type, target, decided_by, reason, status, started_at) VALUES ($1, 'svc', 'restart', 'exec', '[]', 'vigil', 'test', 'running', now() - interval '10 seconds')`,
      [input.key],
    );
    const result = await run(new MockActivityEnvironment(), input);
    assert.deepEqual([result.status, result.detail, result.replayed], ['in-doubt', IN_DOUBT_DETAIL, true]);
    assert.deepEqual(await row(input.key), { status: 'in-doubt', output: IN_DOUBT_DETAIL });
  });
});
