// Dependency suppression decided from the dependency's live state (issue 18): two
// services that fail together, the dependent noticing first, and a dependent whose
// dependency stays up. Real dev server, workers and PostgreSQL; the checks are
// script checks on a flag file, so both services fail at the same instant.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import type { HealthSpec } from '../../lib/core/health/spec';
import { healthWorkflow } from '../../workflows';
import { healthStatusQuery, taskQueues, workflowIds } from '../../workflows/messages';
import { eventually } from '../helpers/eventually';
import { connectTestTemporal, createTestDatabase, startTestWorkers, uniqueName, type TestDatabase, type TestTemporal } from '../helpers/harness';
import { testHealthSpec } from '../helpers/health-spec';

describe('dependencies failing together', { timeout: 120_000 }, () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let stopWorkers: () => Promise<void>;
  let dir: string;
  const handles: WorkflowHandle[] = [];

  before(async () => {
    db = await createTestDatabase('dependencies');
    temporal = await connectTestTemporal();
    dir = mkdtempSync(join(tmpdir(), 'vigil-deps-'));
    ({ stop: stopWorkers } = await startTestWorkers({ taskQueuePrefix: temporal.taskQueuePrefix, pool: db.pool }));
  });
  after(async () => {
    for (const handle of handles) await handle.terminate().catch(() => {});
    await stopWorkers();
    await temporal.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const name = (prefix: string) => uniqueName(prefix).replace('_', '-');
  /** Up while `flag` does not exist. */
  const upUnless = (flag: string, intervalMs: number) => [{ name: 'up', intervalMs, spec: { type: 'script' as const, argv: ['/usr/bin/test', '!', '-e', flag], timeoutMs: 2_000 } }];
  const restart = { name: 'restart', action: { type: 'exec' as const, argv: ['/bin/true'], timeoutMs: 5_000, expectedExitCodes: [0] }, settleMs: 500 };

  async function watch(service: string, overrides: Partial<HealthSpec>) {
    const handle = await temporal.client.workflow.start(healthWorkflow, {
      taskQueue: taskQueues(temporal.taskQueuePrefix).workflows,
      workflowId: workflowIds.health(service),
      args: [{ spec: testHealthSpec(service, overrides) }],
    });
    handles.push(handle);
    return handle;
  }
  const status = (handle: WorkflowHandle) => handle.query(healthStatusQuery);
  const healthy = (handle: WorkflowHandle) => eventually(async () => (await status(handle)).status === 'healthy', `${handle.workflowId} healthy`);
  const actions = async (service: string) => (await db.pool.query<{ step: string; started_at: Date }>('SELECT step, started_at FROM remediation_actions WHERE service = $1', [service])).rows;

  it('suppresses a dependent that fails together with its dependency and notices first', async () => {
    const flag = join(dir, 'both-down');
    const dependency = name('db');
    const dependent = name('app');
    // The dependency is judged seconds after the dependent: checked every second, unhealthy after 3 failures.
    const dependencyHandle = await watch(dependency, { checks: upUnless(flag, 1_000), thresholds: { failureThreshold: 3, successThreshold: 1 } });
    const dependentHandle = await watch(dependent, {
      checks: upUnless(flag, 250),
      thresholds: { failureThreshold: 1, successThreshold: 1 },
      ladder: [restart],
      dependsOn: [dependency],
      limits: { cooldownMs: 0, maxActions: 3, windowMs: 900_000, dependencyGraceMs: 8_000 },
    });
    await healthy(dependencyHandle);
    await healthy(dependentHandle);

    writeFileSync(flag, '');
    const held = await eventually(async () => (await status(dependentHandle)).remediation.waiting, 'the dependent held for its grace', 10_000);
    assert.match(held.reason, new RegExp(`^grace for its dependencies \\(${dependency} (healthy|unknown)\\)`));
    const suppressed = await eventually(async () => (await status(dependentHandle)).remediation.suppressed, 'the dependent suppressed', 20_000);
    assert.equal(suppressed, `depends on ${dependency}, which is unhealthy`);
    // Past the grace: still suppressed, never acted.
    await new Promise((resolve) => setTimeout(resolve, 9_000));
    const view = await status(dependentHandle);
    assert.equal(view.status, 'unhealthy');
    assert.equal(view.remediation.suppressed, `depends on ${dependency}, which is unhealthy`);
    assert.equal(view.remediation.last, undefined);
    assert.deepEqual(await actions(dependent), [], 'the dependent was not remediated');
    rmSync(flag);
  });

  it('lets a dependent whose dependency stays up act once the grace is over', async () => {
    const flag = join(dir, 'app-down');
    const dependency = name('db');
    const dependent = name('app');
    const graceMs = 3_000;
    const dependencyHandle = await watch(dependency, { checks: [{ name: 'up', intervalMs: 500, spec: { type: 'script', argv: ['/bin/true'] } }] });
    const dependentHandle = await watch(dependent, {
      checks: upUnless(flag, 250),
      thresholds: { failureThreshold: 1, successThreshold: 1 },
      ladder: [restart],
      dependsOn: [dependency],
      limits: { cooldownMs: 0, maxActions: 3, windowMs: 900_000, dependencyGraceMs: graceMs },
    });
    await healthy(dependencyHandle);
    await healthy(dependentHandle);

    writeFileSync(flag, '');
    const held = await eventually(
      async () => {
        const view = await status(dependentHandle);
        return view.remediation.waiting && view;
      },
      'the dependent held for its grace',
      10_000,
    );
    assert.match(held.remediation.waiting!.reason, new RegExp(`^grace for its dependencies \\(${dependency} healthy\\)`));
    const [row] = await eventually(
      async () => {
        const rows = await actions(dependent);
        return rows.length > 0 && rows;
      },
      'the dependent remediated after the grace',
      20_000,
    );
    assert.equal(row.step, 'restart');
    const since = held.since!;
    assert.ok(row.started_at.getTime() >= since + graceMs - 50, `acted ${row.started_at.getTime() - since} ms after turning unhealthy (grace ${graceMs} ms)`);
    rmSync(flag);
  });
});
