// A process whose workers are gone must not look alive. With the Temporal
// runtime's own signal handlers, a SIGTERM during `vigil up`'s start-up shut the
// workers down behind Vigil's back; the process then answered /-/ready with
// {"ready":true} for good. Now the readiness of a worker process requires every
// worker of its set to run, one worker stopping takes the set down with it, and
// the command hears of it (onLost) to stop and exit 1. Real Temporal and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Connection } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { Readiness } from '../../api/readiness';
import { startWorkerSet, type RunningWorkers } from '../../cli/stack';
import { createLogger } from '../../lib/adapters/log';
import { createMetrics } from '../../lib/adapters/metrics';
import { installTemporalRuntime } from '../../lib/adapters/temporal/runtime';
import { createTestDatabase, testConfig, testEnvironment, uniqueName, type TestDatabase } from '../helpers/harness';

describe('a worker set that loses a worker', () => {
  let db: TestDatabase;
  let connection: Connection;

  before(async () => {
    db = await createTestDatabase('workers_lost');
    connection = await Connection.connect({ address: testEnvironment().temporalAddress });
  });
  after(async () => {
    await connection.close();
    await db.close();
  });

  async function start(onLost: (error: Error) => void): Promise<{ running: RunningWorkers; readiness: Readiness }> {
    const env = testEnvironment();
    const config = testConfig({ temporal: { address: env.temporalAddress, taskQueuePrefix: uniqueName('lost') }, worker: { shutdownGraceMs: 1_000 } });
    const running = await startWorkerSet({
      config,
      address: env.temporalAddress,
      pool: db.pool,
      log: createLogger('silent'),
      workflowCode: { codePath: env.workflowBundlePath },
      metrics: createMetrics(),
      onLost,
    });
    const readiness = new Readiness({ pool: db.pool, connection, metrics: createMetrics(), timeoutMs: 2_000 });
    readiness.require('workers', running.allRunning);
    return { running, readiness };
  }

  it('the runtime takes no signal of its own: SIGTERM and SIGINT are left to Vigil', () => {
    const handlers = process.listenerCount('SIGTERM');
    installTemporalRuntime(createLogger('silent'));
    assert.deepEqual(Runtime.instance().options.shutdownSignals, []);
    assert.equal(process.listenerCount('SIGTERM'), handlers, 'the runtime added no SIGTERM handler');
  });

  it('is not ready from the moment one worker stops; the others stop with it and the command hears of it once', async () => {
    const lost: Error[] = [];
    const { running, readiness } = await start((error) => lost.push(error));
    const before = await readiness.report();
    assert.deepEqual(before, { ready: true, draining: false, checks: { temporal: true, postgres: true, workers: true } });

    // What the runtime's own SIGTERM handler used to do to every worker, here to one.
    const watch = running.workers.find((worker) => worker.options.taskQueue.endsWith('-watch'))!;
    watch.shutdown();
    const report = await readiness.report();
    assert.equal(report.ready, false);
    assert.equal(report.checks.workers, false);

    await running.done;
    assert.deepEqual(
      running.workers.map((worker) => worker.getState()),
      running.workers.map(() => 'STOPPED'),
      'the rest of the set stopped too',
    );
    assert.equal(lost.length, 1);
    assert.match(lost[0].message, /the worker of task queue lost_[0-9a-f]+-watch stopped without being asked to/);
  });

  it('a stop that was asked for is no loss', async () => {
    const lost: Error[] = [];
    const { running, readiness } = await start((error) => lost.push(error));
    await running.stop();
    assert.deepEqual(lost, []);
    assert.equal((await readiness.report()).ready, false);
  });
});
