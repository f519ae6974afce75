// Vigil's health loops (real dev server, worker and PostgreSQL) watching a real
// shop under load: a crash of payments is healed by its ladder running `vigil-demo
// restart payments`, as the shipped definition does; orders, whose calls to payments
// fail meanwhile, turns unhealthy too, but `dependsOn` holds its own ladder, so
// Vigil never restarts it, neither while payments is down nor when it comes back.
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import type { HealthSpec, LadderStep } from '../../lib/core/health/spec';
import { healthWorkflow } from '../../workflows';
import { healthStatusQuery, taskQueues, workflowIds } from '../../workflows/messages';
import { readPid } from '../../demo/process';
import type { ServiceName } from '../../demo/shop/topology';
import { eventually } from '../helpers/eventually';
import { connectTestTemporal, createTestDatabase, startTestWorkers, uniqueName, type TestDatabase, type TestTemporal } from '../helpers/harness';
import { testHealthSpec } from '../helpers/health-spec';
import { startTestShop, type TestShop } from '../helpers/shop';

const BIN = resolve(__dirname, '..', '..', 'bin', 'vigil-demo.js');

describe('Vigil heals the shop', { timeout: 120_000 }, () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let shop: TestShop;
  let stopWorkers: () => Promise<void>;
  const handles: WorkflowHandle[] = [];

  before(async () => {
    [db, temporal, shop] = await Promise.all([createTestDatabase('shop_healing'), connectTestTemporal(), startTestShop({ rps: 5 })]);
    ({ stop: stopWorkers } = await startTestWorkers({ taskQueuePrefix: temporal.taskQueuePrefix, pool: db.pool }));
  });
  after(async () => {
    for (const handle of handles) await handle.terminate().catch(() => {});
    await stopWorkers?.();
    await shop?.close();
    await temporal?.close();
    await db?.close();
  });

  const restart = (service: ServiceName): LadderStep => ({
    name: 'restart',
    action: { type: 'exec', argv: [process.execPath, BIN, 'restart', service], env: shop.env, timeoutMs: 30_000, expectedExitCodes: [0] },
    // Room for the passing rounds successThreshold asks for on a loaded machine; with 1 s the ladder once ran out and gave up just before them.
    settleMs: 5_000,
  });

  async function watch(name: string, service: ServiceName, overrides: Partial<HealthSpec>) {
    const handle = await temporal.client.workflow.start(healthWorkflow, {
      taskQueue: taskQueues(temporal.taskQueuePrefix).workflows,
      workflowId: workflowIds.health(name),
      args: [
        {
          spec: testHealthSpec(name, {
            checks: [{ name: 'healthz', intervalMs: 250, spec: { type: 'http', url: `${shop.url(service)}/healthz`, timeoutMs: 1_000 } }],
            flapping: { transitions: 100, windowMs: 600_000 },
            ...overrides,
          }),
        },
      ],
    });
    handles.push(handle);
    return handle;
  }

  const status = (handle: WorkflowHandle) => handle.query(healthStatusQuery);
  const actions = async (service: string) => (await db.pool.query('SELECT step, status FROM remediation_actions WHERE service = $1 ORDER BY started_at', [service])).rows;
  const transitions = async (service: string) => (await db.pool.query('SELECT to_status FROM health_transitions WHERE service = $1 ORDER BY round', [service])).rows.map((row) => row.to_status);

  /** payments and orders watched as the shipped definitions do (orders dependsOn payments); orders' grace (2 s) ends while payments is down. */
  async function watchBoth(paymentsThresholds: HealthSpec['thresholds'], ordersThresholds: HealthSpec['thresholds']) {
    const payments = uniqueName('payments').replace('_', '-');
    const orders = uniqueName('orders').replace('_', '-');
    // Someone is told first, then payments is restarted: it stays down past orders' grace.
    const tell: LadderStep = { name: 'tell-someone', action: { type: 'notify', message: 'payments is down' }, settleMs: 4_000 };
    const limits = { cooldownMs: 0, maxActions: 3, windowMs: 900_000 };
    const paymentsLoop = await watch(payments, 'payments', { thresholds: paymentsThresholds, ladder: [tell, restart('payments')], limits });
    const ordersLoop = await watch(orders, 'orders', { thresholds: ordersThresholds, ladder: [restart('orders')], dependsOn: [payments], limits: { ...limits, dependencyGraceMs: 2_000 } });
    for (const handle of [paymentsLoop, ordersLoop]) await eventually(async () => (await status(handle)).status === 'healthy', 'healthy', 30_000);
    return { payments, orders, paymentsLoop, ordersLoop };
  }

  async function healedByRestart(handle: WorkflowHandle, service: string): Promise<void> {
    try {
      await eventually(
        async () => {
          const view = await status(handle);
          return view.status === 'healthy' && view.remediation.last?.step === 'restart';
        },
        'payments healed by a restart',
        60_000,
      );
    } catch (error) {
      // What the loop and its actions say, so a failure under load can be told from a broken restart.
      const rows = await db.pool.query('SELECT step, status, exit_code, output, duration_ms FROM remediation_actions WHERE service = $1 ORDER BY started_at', [service]);
      throw new Error(`${(error as Error).message}\nstatus: ${JSON.stringify(await status(handle))}\nactions: ${JSON.stringify(rows.rows)}`);
    }
  }

  it('payments crashes: its ladder restarts it for real; orders degrades with it and is held by dependsOn meanwhile', async () => {
    // orders recovers as soon as payments answers again (one passing check), payments only after three.
    const { payments, orders, paymentsLoop, ordersLoop } = await watchBoth({ failureThreshold: 2, successThreshold: 3 }, { failureThreshold: 1, successThreshold: 1 });
    const paymentsPid = readPid(join(shop.dir, 'payments.pid'));
    const ordersPid = readPid(join(shop.dir, 'orders.pid'));

    assert.equal((await shop.ctl('fail', 'crash')).code, 0);
    const suppressed = await eventually(async () => (await status(ordersLoop)).remediation.suppressed, 'orders held by dependsOn', 20_000);
    assert.equal(suppressed, `depends on ${payments}, which is unhealthy`);
    await healedByRestart(paymentsLoop, payments);
    assert.notEqual(readPid(join(shop.dir, 'payments.pid')), paymentsPid, 'a new payments process');
    assert.deepEqual(await actions(payments), [
      { step: 'tell-someone', status: 'succeeded' },
      { step: 'restart', status: 'succeeded' },
    ]);
    await eventually(async () => (await status(ordersLoop)).status === 'healthy', 'orders healthy again once payments answers', 30_000);
    assert.deepEqual(await actions(orders), [], 'orders was never remediated');
    assert.equal(readPid(join(shop.dir, 'orders.pid')), ordersPid, 'nor restarted');
    await eventually(async () => (await transitions(orders)).length >= 3, 'orders transitions recorded');
    assert.deepEqual((await transitions(orders)).slice(0, 3), ['healthy', 'unhealthy', 'healthy']);
  });

  it(
    'orders is not restarted when payments is judged healthy again before orders is',
    // The dependency hold starts a new grace when payments recovers, so orders' own checks can pass again first (lib/core/health/decide.ts).
    async () => {
      // As shipped: both need two passing rounds to be healthy again.
      const { payments, orders, paymentsLoop, ordersLoop } = await watchBoth({ failureThreshold: 2, successThreshold: 2 }, { failureThreshold: 1, successThreshold: 2 });
      assert.equal((await shop.ctl('fail', 'crash')).code, 0);
      await healedByRestart(paymentsLoop, payments);
      await eventually(async () => (await status(ordersLoop)).status === 'healthy', 'orders healthy again', 30_000);
      assert.deepEqual(await actions(orders), [], 'orders was never remediated');
    },
  );
});
