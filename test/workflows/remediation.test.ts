// Remediation on the real dev server, worker and PostgreSQL, against the payments
// service of a demo shop, restarted for real by an exec action running `vigil-demo
// restart payments` as the shipped definition does. A crash fault takes payments
// down until something starts it again: what the tests below need of a service
// that stays unhealthy (a fault that leaves /healthz answering 200, such as errors,
// would not).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { HealthSpec, LadderStep } from '../../lib/core/health/spec';
import { workflowIdOf } from '../../lib/core/triage/ids';
import { healthWorkflow } from '../../workflows';
import { healthStatusQuery, pauseSignal, remediateUpdate, taskQueues, workflowIds } from '../../workflows/messages';
import { createMetrics, registerServiceStatusGauge, type Metrics } from '../../lib/adapters/metrics';
import { webhookNotifier } from '../../lib/adapters/notify';
import { eventually } from '../helpers/eventually';
import { startReceiver, type Receiver } from '../notify/receiver';
import { saveHistory } from '../helpers/histories';
import { connectTestTemporal, createTestDatabase, startTestWorkers, uniqueName, type TestDatabase, type TestTemporal } from '../helpers/harness';
import { testHealthSpec } from '../helpers/health-spec';
import { startTestShop, type TestShop } from '../helpers/shop';

describe('remediation', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let shop: TestShop;
  let receiver: Receiver;
  let metrics: Metrics;
  let stopWorkers: () => Promise<void>;
  const handles: WorkflowHandle[] = [];

  before(async () => {
    db = await createTestDatabase('remediation');
    temporal = await connectTestTemporal();
    shop = await startTestShop();
    receiver = await startReceiver();
    const notifiers = [webhookNotifier({ name: 'test', url: receiver.url('/hooks/vigil') })];
    metrics = createMetrics();
    registerServiceStatusGauge(metrics, db.pool);
    ({ stop: stopWorkers } = await startTestWorkers({ taskQueuePrefix: temporal.taskQueuePrefix, pool: db.pool, notifiers, metrics }));
  });
  after(async () => {
    for (const handle of handles) await handle.terminate().catch(() => {});
    await stopWorkers();
    await shop.close();
    await receiver.close();
    await temporal.close();
    await db.close();
  });

  const restart = (): LadderStep => ({
    name: 'restart',
    action: { type: 'exec', argv: shop.restartArgv('payments'), timeoutMs: 30_000, expectedExitCodes: [0] },
    settleMs: 1_000,
  });
  const noop = (name: string): LadderStep => ({ name, action: { type: 'exec', argv: ['/bin/true'], timeoutMs: 5_000, expectedExitCodes: [0] }, settleMs: 200 });

  function spec(service: string, overrides: Partial<HealthSpec> = {}): HealthSpec {
    return testHealthSpec(service, {
      checks: [{ name: 'healthz', intervalMs: 250, spec: { type: 'http', url: `${shop.url('payments')}/healthz`, timeoutMs: 500 } }],
      ladder: [restart()],
      limits: { cooldownMs: 0, maxActions: 3, windowMs: 900_000 },
      flapping: { transitions: 100, windowMs: 600_000 },
      ...overrides,
    });
  }

  async function watch(service: string, overrides: Partial<HealthSpec> = {}) {
    const handle = await temporal.client.workflow.start(healthWorkflow, {
      taskQueue: taskQueues(temporal.taskQueuePrefix).workflows,
      workflowId: workflowIds.health(service),
      args: [{ spec: spec(service, overrides) }],
    });
    handles.push(handle);
    return handle;
  }

  /** payments crashed and left down (no restart here), then started again. */
  const down = async () => assert.equal((await shop.ctl('fault', 'payments', 'crash')).code, 0);
  const up = async () => assert.equal((await shop.ctl('start', 'payments')).code, 0);
  const name = (prefix: string) => uniqueName(prefix).replace('_', '-');
  const status = (handle: WorkflowHandle) => handle.query(healthStatusQuery);
  const actions = async (service: string) => (await db.pool.query('SELECT step, action_type, status, decided_by FROM remediation_actions WHERE service = $1 ORDER BY started_at', [service])).rows;

  it('heals a crashed service by restarting it for real, exactly once', async () => {
    const service = name('crash');
    const handle = await watch(service);
    await eventually(async () => (await status(handle)).status === 'healthy', 'healthy');
    const pidBefore = shop.pid('payments');
    assert.equal((await shop.ctl('fault', 'payments', 'crash')).code, 0);
    const healed = await eventually(
      async () => {
        const view = await status(handle);
        return view.status === 'healthy' && view.remediation.last && view;
      },
      'healed by a restart',
      60_000,
    );
    assert.equal(healed.remediation.last!.step, 'restart');
    assert.equal(healed.remediation.last!.status, 'succeeded');
    assert.notEqual(shop.pid('payments'), pidBefore, 'a new payments process');
    assert.deepEqual(await actions(service), [{ step: 'restart', action_type: 'exec', status: 'succeeded', decided_by: 'vigil' }]);
    // The loop records and announces a transition beside its next steps, so the rows may land just after the query sees it.
    const transitions = async () => (await db.pool.query('SELECT to_status FROM health_transitions WHERE service = $1 ORDER BY round', [service])).rows.map((row) => row.to_status);
    await eventually(async () => (await transitions()).length === 3, 'the healed transition recorded');
    assert.deepEqual(await transitions(), ['healthy', 'unhealthy', 'healthy']);
    const events = await eventually(async () => {
      const received = receiver.requests.map((request) => request.body as { kind: string; service: string; summary: string }).filter((event) => event.service === service);
      return received.length === 2 && received;
    }, 'two notifications');
    assert.deepEqual(
      events.map((event) => event.kind),
      ['unhealthy', 'healed'],
    );
    const scraped = await metrics.registry.metrics();
    assert.match(scraped, new RegExp(`vigil_remediations_total\\{service="${service}",step="restart",type="exec",outcome="succeeded"\\} 1\\n`));
    assert.match(scraped, new RegExp(`vigil_checks_total\\{service="${service}",check="healthz",result="down"\\} [1-9]`));
    assert.match(scraped, new RegExp(`vigil_check_latency_seconds_count\\{service="${service}",check="healthz"\\} [1-9]`));
    assert.match(scraped, /vigil_services\{status="healthy"\} [1-9]/);
    assert.equal(events[1].summary, `${service} is healthy again after restart`);
    await handle.terminate('recorded');
    await saveHistory(handle, 'health-remediated');
  });

  it('gives up after maxActions within the window, recording the hand-off', async () => {
    const service = name('capped');
    await down();
    try {
      const handle = await watch(service, { ladder: [noop('first'), noop('second'), noop('third')], limits: { cooldownMs: 0, maxActions: 2, windowMs: 900_000 } });
      const view = await eventually(async () => (await status(handle)).remediation.gaveUp && (await status(handle)), 'gave up', 60_000);
      assert.match(view.remediation.gaveUp!.reason, /^2 actions within 15 min and still unhealthy/);
      assert.deepEqual(
        (await actions(service)).map((row) => `${row.step}:${row.status}`),
        ['first:succeeded', 'second:succeeded', 'give-up:succeeded'],
      );
      const gaveUp = receiver.requests.map((request) => request.body as { kind: string; service: string }).filter((event) => event.service === service && event.kind === 'gave-up');
      assert.equal(gaveUp.length, 1, 'the give-up is announced once');
      // ... and handed to an alert triage of the service.
      const triageId = view.remediation.gaveUp!.triageId;
      assert.ok(triageId, 'a triage id in the status');
      const triage = await eventually(
        async () => (await db.pool.query(`SELECT source, alertname, service, annotations FROM triage_runs WHERE id = $1`, [triageId])).rows[0],
        'the triage run recorded',
      );
      assert.deepEqual([triage.source, triage.alertname, triage.service], ['vigil', 'VigilGaveUp', service]);
      assert.match(triage.annotations.summary, /^Vigil gave up remediating capped-.*: 2 actions within 15 min/);
      handles.push(temporal.client.workflow.getHandle(workflowIdOf(triageId)));
    } finally {
      await up();
    }
  });

  it('holds off while paused, in a maintenance window, or while a dependency is unhealthy', async () => {
    await down();
    try {
      const paused = await watch(name('paused'));
      await paused.signal(pauseSignal, { reason: 'deploy' });
      const dependency = name('db');
      await db.pool.query(`INSERT INTO health_transitions (service, round, from_status, to_status, at) VALUES ($1, 1, 'healthy', 'unhealthy', now())`, [dependency]);
      const dependent = await watch(name('dependent'), { dependsOn: [dependency] });
      const maintained = await watch(name('maint'), { maintenance: [{ cron: '* * * * *', durationMs: 3_600_000, timezone: 'UTC' }] });

      const suppressed = async (handle: WorkflowHandle) => eventually(async () => (await status(handle)).remediation.suppressed, 'suppressed', 30_000);
      assert.equal(await suppressed(paused), 'paused');
      assert.equal(await suppressed(dependent), `depends on ${dependency}, which is unhealthy`);
      assert.match(await suppressed(maintained), /^maintenance window until /);
      for (const handle of [paused, dependent, maintained]) {
        assert.equal((await status(handle)).status, 'unhealthy', 'checks go on');
        assert.deepEqual(await actions(handle.workflowId.replace('health/', '')), [], 'no action');
      }
    } finally {
      await up();
    }
  });

  it('runs a step on demand through the remediate update, and refuses with the reason', async () => {
    const service = name('manual');
    const handle = await watch(service, { ladder: [noop('flush-cache'), restart()], limits: { cooldownMs: 3_600_000, maxActions: 3, windowMs: 900_000 } });
    const result = await handle.executeUpdate(remediateUpdate, { args: [{ action: 'flush-cache', reason: 'stale prices', by: 'alice' }] });
    assert.equal(result.status, 'succeeded');
    assert.equal(result.decidedBy, 'alice');
    assert.deepEqual(await actions(service), [{ step: 'flush-cache', action_type: 'exec', status: 'succeeded', decided_by: 'alice' }]);

    const refusal = async (input: { action?: string; reason: string }) => {
      try {
        await handle.executeUpdate(remediateUpdate, { args: [input] });
        return 'accepted';
      } catch (error) {
        assert.ok(error instanceof WorkflowUpdateFailedError);
        return (error.cause as Error).message;
      }
    };
    assert.match(await refusal({ reason: 'again' }), /^in cooldown until /);
    assert.match(await refusal({ action: 'reboot-the-world', reason: 'x' }), /^unknown action "reboot-the-world"; .* has: flush-cache, restart$/);
    await handle.signal(pauseSignal, { reason: 'hands off' });
    await eventually(async () => (await status(handle)).paused, 'paused');
    assert.match(await refusal({ reason: 'x' }), /is paused \(hands off\); resume it first$/);
  });
});
