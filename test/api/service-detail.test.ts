// GET /services/:name shows each check's latest stored result, even while the
// loop of a healthy service waits for its quiet watch to report (which runs up
// to 10 rounds or 60 s). Real worker, dev server and PostgreSQL against a real
// HTTP service whose answer the test switches.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { healthWorkflow } from '../../workflows';
import { healthStatusQuery, taskQueues, workflowIds, type HealthStatusView } from '../../workflows/messages';
import { bearer, buildTestApi, type TestApi } from '../helpers/api';
import { watchSerialization, type SerializationWatch } from '../helpers/serialization';
import { eventually } from '../helpers/eventually';
import { connectTestTemporal, createTestDatabase, startTestWorkers, uniqueName, type TestDatabase, type TestTemporal } from '../helpers/harness';
import { testHealthSpec } from '../helpers/health-spec';
import { ALL_PATHS, NO_PATH, startSwitchableServer, type SwitchableServer } from '../helpers/switchable-server';

describe('service detail', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let api: TestApi;
  let target: SwitchableServer;
  let stopWorkers: () => Promise<void>;
  let served: SerializationWatch;

  before(async () => {
    db = await createTestDatabase('service_detail');
    temporal = await connectTestTemporal();
    target = await startSwitchableServer();
    ({ stop: stopWorkers } = await startTestWorkers({ taskQueuePrefix: temporal.taskQueuePrefix, pool: db.pool }));
    api = await buildTestApi({ db, taskQueuePrefix: temporal.taskQueuePrefix });
    served = watchSerialization(api.app);
  });
  after(async () => {
    await api.close();
    await stopWorkers();
    target.close();
    await temporal.close();
    await db.close();
  });

  it('shows a failed check at once, while the status stays the loop’s', async () => {
    target.failing = NO_PATH;
    const service = uniqueName('detail').replaceAll('_', '-');
    const url = target.url('/healthz');
    // A check every 2 s: the quiet watch runs up to 18 s before it reports; 50 failures before unhealthy.
    const spec = testHealthSpec(service, { checks: [{ name: 'http', intervalMs: 2_000, spec: { type: 'http', url, timeoutMs: 1_000 } }], thresholds: { failureThreshold: 50, successThreshold: 1 } });
    const handle = await temporal.client.workflow.start(healthWorkflow, { taskQueue: taskQueues(temporal.taskQueuePrefix).workflows, workflowId: workflowIds.health(service), args: [{ spec }] });
    try {
      await eventually(async () => (await handle.query(healthStatusQuery)).status === 'healthy', 'healthy');
      await eventually(async () => (await handle.describe()).raw.pendingActivities?.some((activity) => activity.activityType?.name === 'watchChecks'), 'a quiet watch running');
      target.failing = ALL_PATHS;
      const failed = await eventually(async () => {
        const { rows } = await db.pool.query<{ checked_at: Date }>(`SELECT checked_at FROM check_results WHERE service = $1 AND NOT up ORDER BY checked_at DESC LIMIT 1`, [service]);
        return rows[0];
      }, 'a failed round stored');

      const response = await api.app.inject({ method: 'GET', url: `/api/v1/services/${service}`, headers: bearer('read') });
      assert.equal(response.statusCode, 200, response.body);
      const detail = response.json() as HealthStatusView;
      assert.equal(detail.status, 'healthy', 'one failure of 50 changes no status');
      assert.equal(detail.checks[0].up, false);
      assert.match(detail.checks[0].detail, /503/);
      assert.equal(detail.checks[0].at, failed.checked_at.getTime());
    } finally {
      await handle.terminate('test done').catch(() => {});
    }
  });

  it('answers every request above with what its handler returned, in the shape its schema documents', () => {
    assert.ok(served.seen.length > 0);
    served.assertFaithful();
  });
});
