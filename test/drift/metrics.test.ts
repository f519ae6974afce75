// vigil_drift_apps counts the loops by the status they show, paused and
// contested included, from Temporal's visibility of this installation's queue.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { fileAppSpec } from './specs';
import { createMetrics, registerDriftStatusGauge } from '../../lib/adapters/metrics';
import { driftWorkflow } from '../../workflows';
import { pauseSignal, taskQueues, workflowIds } from '../../workflows/messages';
import { eventually } from '../helpers/eventually';
import { connectTestTemporal, createTestDatabase, startTestWorkers, testConfig, uniqueName, type TestDatabase, type TestTemporal } from '../helpers/harness';

describe('drift apps gauge', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let root: string;
  let workers: { stop(): Promise<void> };
  const handles: WorkflowHandle[] = [];

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'vigil-drift-gauge-'));
    db = await createTestDatabase('driftgauge');
    temporal = await connectTestTemporal();
    workers = await startTestWorkers({ taskQueuePrefix: temporal.taskQueuePrefix, pool: db.pool, config: testConfig({ dataDir: join(root, 'data') }) });
  });
  after(async () => {
    for (const handle of handles) await handle.terminate('test done').catch(() => {});
    await workers.stop();
    await temporal.close();
    await db.close();
    rmSync(root, { recursive: true, force: true });
  });

  async function startInSync(app: string) {
    for (const side of ['desired', 'live']) mkdirSync(join(root, app, side), { recursive: true });
    writeFileSync(join(root, app, 'desired', 'app.yaml'), JSON.stringify({ target: 'app.json', state: { workers: 4 } }));
    writeFileSync(join(root, app, 'live', 'app.json'), JSON.stringify({ workers: 4 }));
    const spec = fileAppSpec(root, app, { intervalMs: 500 });
    const handle = await temporal.client.workflow.start(driftWorkflow, { taskQueue: taskQueues(temporal.taskQueuePrefix).workflows, workflowId: workflowIds.drift(app), args: [{ spec }] });
    handles.push(handle);
    return handle;
  }

  it('counts a paused app as paused, not by its last check', async () => {
    const metrics = createMetrics();
    registerDriftStatusGauge(metrics, db.pool, { client: temporal.client, workflowTaskQueue: taskQueues(temporal.taskQueuePrefix).workflows });
    const gauge = async () => {
      const text = await metrics.registry.getSingleMetricAsString('vigil_drift_apps');
      return Object.fromEntries([...text.matchAll(/vigil_drift_apps\{status="([a-z-]+)"\} (\d+)/g)].map(([, status, count]) => [status, Number(count)]));
    };
    await startInSync(uniqueName('calm').replace(/_/g, '-'));
    const paused = await startInSync(uniqueName('held').replace(/_/g, '-'));
    await eventually(async () => (await gauge())['in-sync'] === 2, 'two apps in sync');
    await paused.signal(pauseSignal, { reason: 'maintenance' });
    const counts = await eventually(async () => {
      const now = await gauge();
      return now.paused === 1 && now;
    }, 'one paused');
    assert.deepEqual(counts, { unknown: 0, 'in-sync': 1, drifted: 0, contested: 0, error: 0, paused: 1 });
    const { rows } = await db.pool.query(`SELECT status FROM drift_state ORDER BY app`);
    assert.deepEqual(
      rows.map((row) => row.status),
      ['in-sync', 'in-sync'],
      'the last checks alone would not say paused',
    );
  });
});
