// A worker that stops (a deploy, Ctrl-C on `vigil up`) while a healthy
// service's quiet watch runs: the watch hands back the rounds it has run and
// completes, instead of failing by a timeout later; a new worker carries the
// loop on. Real dev server, workers and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { healthWorkflow } from '../../workflows';
import { healthStatusQuery, taskQueues, workflowIds } from '../../workflows/messages';
import { probeAndStore } from '../../activities/health';
import type { WatchResult } from '../../activities/watch';
import { eventually } from '../helpers/eventually';
import { connectTestTemporal, createTestDatabase, startTestWorkers, uniqueName, type TestDatabase, type TestTemporal } from '../helpers/harness';
import { testHealthSpec } from '../helpers/health-spec';
import { startSwitchableServer, type SwitchableServer } from '../helpers/switchable-server';

describe('a worker stopping under a quiet watch', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let target: SwitchableServer;

  before(async () => {
    db = await createTestDatabase('worker_stop');
    temporal = await connectTestTemporal();
    target = await startSwitchableServer();
  });
  after(async () => {
    target.close();
    await temporal.close();
    await db.close();
  });

  it('gets the rounds so far back from the watch, and the next worker carries on', async () => {
    const service = uniqueName('stopping').replaceAll('_', '-');
    const workers = { taskQueuePrefix: temporal.taskQueuePrefix, pool: db.pool };
    let first: { stop(): Promise<void> } | undefined = await startTestWorkers(workers);
    // A check every second: the watch runs up to 9 s, long enough to stop the worker in the middle.
    const spec = testHealthSpec(service, { checks: [{ name: 'http', intervalMs: 1_000, spec: { type: 'http', url: target.url('/healthz'), timeoutMs: 1_000 } }] });
    const handle = await temporal.client.workflow.start(healthWorkflow, { taskQueue: taskQueues(temporal.taskQueuePrefix).workflows, workflowId: workflowIds.health(service), args: [{ spec }] });
    let second: { stop(): Promise<void> } | undefined;
    try {
      await eventually(async () => (await handle.query(healthStatusQuery)).status === 'healthy', 'healthy');
      await eventually(async () => (await handle.describe()).raw.pendingActivities?.some((activity) => activity.activityType?.name === 'watchChecks'), 'a quiet watch running');
      const roundsBefore = (await handle.query(healthStatusQuery)).round;
      await eventually(async () => {
        const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM check_results WHERE service = $1 AND round > $2', [service, roundsBefore]);
        return rows[0].n >= 2;
      }, 'two rounds of the watch stored');
      await first.stop();
      first = undefined;

      const events = (await handle.fetchHistory()).events ?? [];
      const watchScheduled = events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'watchChecks').at(-1)!;
      const outcome = events.find((event) =>
        [event.activityTaskCompletedEventAttributes, event.activityTaskFailedEventAttributes, event.activityTaskTimedOutEventAttributes].some(
          (attributes) => String(attributes?.scheduledEventId) === String(watchScheduled.eventId),
        ),
      );
      assert.ok(outcome?.activityTaskCompletedEventAttributes, `the watch completed (got ${JSON.stringify(outcome?.eventType)})`);
      const result = JSON.parse(Buffer.from(outcome.activityTaskCompletedEventAttributes.result!.payloads![0].data!).toString()) as WatchResult;
      assert.equal(result.stopped, 'worker-stopping');
      assert.ok(result.rounds >= 2, `the watch handed back its rounds (${result.rounds})`);

      second = await startTestWorkers(workers);
      const carriedOn = await eventually(async () => {
        const status = await handle.query(healthStatusQuery);
        return status.round >= roundsBefore + result.rounds + 1 && status;
      }, 'the loop carries on with the next worker');
      assert.equal(carriedOn.status, 'healthy');
    } finally {
      await handle.terminate('test done').catch(() => {});
      await first?.stop();
      await second?.stop();
    }
  });

  it('stores no round that cancellation cut short', async () => {
    const service = uniqueName('cut-short').replaceAll('_', '-');
    const cancelled = new AbortController();
    cancelled.abort(new Error('WORKER_SHUTDOWN'));
    await assert.rejects(
      probeAndStore({ pool: db.pool }, { service, round: 1, at: Date.now(), checks: [{ name: 'http', spec: { type: 'http', url: target.url('/healthz') } }] }, cancelled.signal),
      /WORKER_SHUTDOWN/,
    );
    const { rows } = await db.pool.query('SELECT 1 FROM check_results WHERE service = $1', [service]);
    assert.deepEqual(rows, []);
  });
});
