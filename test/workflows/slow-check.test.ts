// A slow check's failure counts once. The health loop judges every round from
// the latest result of each check; a check that runs every few seconds beside
// one that runs often must not make one failure into a streak of the fast
// check's rounds. Real dev server, worker and PostgreSQL, against a real HTTP
// service whose /deep answer the test switches.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { healthWorkflow } from '../../workflows';
import { healthStatusQuery, taskQueues, workflowIds } from '../../workflows/messages';
import { eventually } from '../helpers/eventually';
import { saveHistory } from '../helpers/histories';
import { connectTestTemporal, createTestDatabase, startTestWorkers, uniqueName, type TestDatabase, type TestTemporal } from '../helpers/harness';
import { testHealthSpec } from '../helpers/health-spec';
import { NO_PATH, startSwitchableServer, type SwitchableServer } from '../helpers/switchable-server';

const DEEP = (path: string) => path === '/deep';

describe('health loop with a slow check', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let target: SwitchableServer;
  let stopWorkers: () => Promise<void>;

  before(async () => {
    db = await createTestDatabase('slow_check');
    temporal = await connectTestTemporal();
    target = await startSwitchableServer();
    // Every workflow task replays from the start: a nondeterminism shows at once.
    ({ stop: stopWorkers } = await startTestWorkers({ taskQueuePrefix: temporal.taskQueuePrefix, pool: db.pool, maxCachedWorkflows: 0 }));
  });
  after(async () => {
    await stopWorkers();
    target.close();
    await temporal.close();
    await db.close();
  });

  async function start(service: string): Promise<WorkflowHandle<typeof healthWorkflow>> {
    const check = (name: string, path: string, intervalMs: number) => ({ name, intervalMs, spec: { type: 'http' as const, url: target.url(path), timeoutMs: 1_000 } });
    return temporal.client.workflow.start(healthWorkflow, {
      taskQueue: taskQueues(temporal.taskQueuePrefix).workflows,
      workflowId: workflowIds.health(service),
      // Ten rounds of `fast` between two of `deep`; two failures in a row make the service unhealthy.
      args: [{ spec: testHealthSpec(service, { checks: [check('fast', '/fast', 300), check('deep', '/deep', 3_000)], thresholds: { failureThreshold: 2, successThreshold: 1 } }) }],
    });
  }

  const deepResults = async (service: string) =>
    (await db.pool.query<{ round: string; up: boolean }>(`SELECT round, up FROM check_results WHERE service = $1 AND check_name = 'deep' ORDER BY round`, [service])).rows;
  const transitions = async (service: string) =>
    (await db.pool.query<{ round: string; to_status: string; reason: string }>('SELECT round, to_status, reason FROM health_transitions WHERE service = $1 ORDER BY round', [service])).rows;

  it('stays healthy through one failure of the slow check while the fast one passes', async () => {
    target.failing = NO_PATH;
    const service = uniqueName('one-blip').replaceAll('_', '-');
    const handle = await start(service);
    try {
      await eventually(async () => (await handle.query(healthStatusQuery)).status === 'healthy', 'healthy');
      target.failing = DEEP;
      await eventually(async () => (await deepResults(service)).some((row) => !row.up), 'one failed deep check');
      target.failing = NO_PATH;
      await eventually(async () => (await deepResults(service)).at(-1)?.up === true, 'the next deep check passes');
      const fastRounds = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM check_results WHERE service = $1 AND check_name = 'fast'`, [service]);
      assert.ok(fastRounds.rows[0].n >= 5, 'fast rounds ran while the deep failure was the latest');
      assert.deepEqual((await transitions(service)).map((row) => row.to_status), ['healthy'], 'never unhealthy');
      assert.equal((await handle.query(healthStatusQuery)).status, 'healthy');
    } finally {
      await handle.terminate('test done').catch(() => {});
    }
  });

  it('goes unhealthy on failureThreshold failures of the slow check itself', async () => {
    target.failing = NO_PATH;
    const service = uniqueName('deep-down').replaceAll('_', '-');
    const handle = await start(service);
    try {
      await eventually(async () => (await handle.query(healthStatusQuery)).status === 'healthy', 'healthy');
      target.failing = DEEP;
      const down = await eventually(async () => (await transitions(service)).find((row) => row.to_status === 'unhealthy'), 'unhealthy');
      assert.match(down.reason, /deep: .*503/);
      const failedBefore = (await deepResults(service)).filter((row) => !row.up && Number(row.round) <= Number(down.round));
      assert.equal(failedBefore.length, 2, 'unhealthy at the second failure of the deep check, not at its first');
      target.failing = NO_PATH;
      await eventually(async () => (await handle.query(healthStatusQuery)).status === 'healthy', 'healthy again');
      await handle.terminate('test done');
      await saveHistory(handle, 'health-slow-check');
    } finally {
      await handle.terminate('test done').catch(() => {});
    }
  });
});
