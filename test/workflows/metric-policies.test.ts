// Metric policies on the real loop: an agent pushes samples through the API,
// the health workflow reads them from PostgreSQL and judges the service.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { ServiceDefinition, type ServiceDefinitionSpec } from '../../lib/core/config/services';
import { validateDocument } from '../../lib/core/config/validate';
import { healthSpec } from '../../lib/core/health/spec';
import { healthWorkflow } from '../../workflows';
import { healthStatusQuery, taskQueues, workflowIds } from '../../workflows/messages';
import { bearer, buildTestApi, type TestApi } from '../helpers/api';
import { eventually } from '../helpers/eventually';
import { saveHistory } from '../helpers/histories';
import { connectTestTemporal, createTestDatabase, startTestWorkers, uniqueName, type TestDatabase, type TestTemporal } from '../helpers/harness';

describe('metric policies', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let api: TestApi;
  let workers: { stop(): Promise<void> };

  before(async () => {
    db = await createTestDatabase('policies');
    temporal = await connectTestTemporal();
    api = await buildTestApi({ db, taskQueuePrefix: temporal.taskQueuePrefix });
    workers = await startTestWorkers({ taskQueuePrefix: temporal.taskQueuePrefix, pool: db.pool });
  });
  after(async () => {
    await workers.stop();
    await api.close();
    await temporal.close();
    await db.close();
  });

  /** Pushes `value()` for the service every 100 ms, as an agent would, until stopped. */
  function agent(service: string, name: string, value: () => number) {
    let running = true;
    const pushing = (async () => {
      while (running) {
        const response = await api.app.inject({
          method: 'POST',
          url: '/api/v1/metrics',
          headers: { ...bearer('operate'), 'content-type': 'application/json' },
          payload: JSON.stringify({ service, metrics: [{ name, value: value(), labels: { host: 'test' } }] }),
        });
        assert.equal(response.statusCode, 202, response.body);
        await new Promise((resolveWait) => setTimeout(resolveWait, 100));
      }
    })();
    return async () => {
      running = false;
      await pushing;
    };
  }

  async function watch(definition: Record<string, unknown>): Promise<WorkflowHandle<typeof healthWorkflow>> {
    assert.deepEqual(validateDocument(ServiceDefinition, definition, 'test'), []);
    const spec = healthSpec(definition as ServiceDefinitionSpec);
    return temporal.client.workflow.start(healthWorkflow, {
      taskQueue: taskQueues(temporal.taskQueuePrefix).workflows,
      workflowId: workflowIds.health(spec.service),
      args: [{ spec }],
    });
  }

  it('fires a `when` policy once its condition has held for its `for`, and recovers when it stops holding', async () => {
    const service = uniqueName('cpu').replace(/_/g, '-');
    const handle = await watch({
      name: service,
      metrics: [{ name: 'cpu-hot', when: 'avg(cpu_percent{host="test"}) > 90 for 1s', window: '1s', interval: '200ms' }],
      thresholds: { failureThreshold: 1, successThreshold: 1 },
    });
    let cpu = 40;
    const stopAgent = agent(service, 'cpu_percent', () => cpu);
    try {
      const calm = await eventually(async () => {
        const status = await handle.query(healthStatusQuery);
        return status.status === 'healthy' && /does not hold/.test(status.checks[0]?.detail ?? '') && status;
      }, 'healthy on calm samples');
      assert.equal(calm.checks[0].name, 'metric:cpu-hot');

      cpu = 97;
      const pending = await eventually(async () => {
        const status = await handle.query(healthStatusQuery);
        return /pending for/.test(status.checks[0]?.detail ?? '') && status;
      }, 'pending while the condition holds for less than 1 s');
      assert.equal(pending.status, 'healthy', 'pending is not yet a failure');

      const hot = await eventually(async () => {
        const status = await handle.query(healthStatusQuery);
        return status.status === 'unhealthy' && status;
      }, 'unhealthy once it held for 1 s');
      assert.match(hot.checks[0].detail, /avg\(cpu_percent\{host="test"\}\) = [\d.]+ over \d+ samples?; avg\(cpu_percent\{host="test"\}\) > 90 for/);
      const stored = await eventually(async () => {
        const { rows } = await db.pool.query(`SELECT to_status, reason FROM health_transitions WHERE service = $1 ORDER BY at DESC LIMIT 1`, [service]);
        return rows[0]?.to_status === 'unhealthy' && rows[0];
      }, 'the transition stored');
      assert.match(stored.reason, /^metric:cpu-hot: avg\(cpu_percent/);

      cpu = 20;
      await eventually(async () => (await handle.query(healthStatusQuery)).status === 'healthy', 'healthy again');
      await stopAgent();
      await handle.terminate('recorded');
      await saveHistory(handle, 'health-metric-policy');
    } finally {
      await stopAgent();
      await handle.terminate('test done').catch(() => {});
    }
  });

  it('marks the service degraded when a pushed metric leaves its learnt baseline', async () => {
    const service = uniqueName('errors').replace(/_/g, '-');
    const handle = await watch({
      name: service,
      metrics: [{ name: 'error-rate', anomaly: 'avg(error_rate)', warmup: 5, window: '300ms', interval: '200ms' }],
    });
    let tick = 0;
    let errors = () => 1 + (tick++ % 3) * 0.1;
    const stopAgent = agent(service, 'error_rate', () => errors());
    try {
      await eventually(async () => {
        const status = await handle.query(healthStatusQuery);
        return status.status === 'healthy' && (status.checks[0]?.baseline?.samples ?? 0) >= 5;
      }, 'healthy with a learnt baseline');
      errors = () => 40;
      const degraded = await eventually(async () => {
        const status = await handle.query(healthStatusQuery);
        return status.status === 'degraded' && status;
      }, 'degraded on the jump');
      assert.equal(degraded.checks[0].degraded, true);
      assert.match(degraded.checks[0].detail, /avg\(error_rate\) = 40, anomalous against its baseline/);
    } finally {
      await stopAgent();
      await handle.terminate('test done');
    }
  });
});
