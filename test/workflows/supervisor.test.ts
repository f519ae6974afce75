// The supervisor with the real worker set, dev server and PostgreSQL: started the
// way `vigil worker` and `vigil api` start it (no apply), it starts every defined
// loop; a loop terminated by hand is back within one period, carrying the state
// of its last run; every restart is counted and in the supervisor's status.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import type { Definition } from '../../lib/core/config/definitions';
import { createLogger } from '../../lib/adapters/log';
import { installTemporalRuntime } from '../../lib/adapters/temporal/runtime';
import { ServiceDefinition } from '../../lib/core/config/services';
import { validateDocument } from '../../lib/core/config/validate';
import { createMetrics, type Metrics } from '../../lib/adapters/metrics';
import { startLoop, LOOP_KINDS } from '../../lib/client/apply';
import { startSupervisor } from '../../lib/client/supervise';
import { SPEC_DIGEST_MEMO, specDigest } from '../../lib/core/spec-digest';
import type { SupervisorState } from '../../lib/core/supervisor';
import { createWorkers, runWorkers, shutdownWorkers } from '../../workers/create-workers';
import { healthStatusQuery, supervisorStatusQuery, workflowIds } from '../../workflows/messages';
import { NativeConnection } from '@temporalio/worker';
import { eventually } from '../helpers/eventually';
import { saveHistory } from '../helpers/histories';
import { connectTestTemporal, createTestDatabase, testConfig, testEnvironment, uniqueName, type TestDatabase, type TestTemporal } from '../helpers/harness';

const PERIOD_MS = 2_000;

describe('supervisor (real worker, dev server, PostgreSQL)', { timeout: 120_000 }, () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let metrics: Metrics;
  let stopWorkers: () => Promise<void>;
  const names = [uniqueName('sup-a'), uniqueName('sup-b')].map((name) => name.replace(/_/g, '-'));
  // A check of a closed port: the service is down, so every round runs (no quiet watch) and the round counter moves.
  const definitions: Definition[] = names.map((name) => {
    const spec = { name, checks: [{ name: 'tcp', type: 'tcp', host: '127.0.0.1', port: 9, interval: '200ms', timeout: '500ms' }] };
    // Fills the defaults in, as the config loader does.
    assert.deepEqual(validateDocument(ServiceDefinition, spec, 'test'), []);
    return { kind: 'services', name, source: 'test.yaml', spec };
  });
  const supervisor = () => temporal.client.workflow.getHandle(workflowIds.supervisor(temporal.taskQueuePrefix));
  const restartedCount = async () => (await metrics.registry.getSingleMetric('vigil_loops_restarted_total')!.get()).values.find((value) => value.labels.kind === 'health')?.value ?? 0;

  before(async () => {
    db = await createTestDatabase('supervisor');
    temporal = await connectTestTemporal();
    metrics = createMetrics();
    const config = testConfig({ supervisor: { intervalMs: PERIOD_MS } });
    config.temporal.taskQueuePrefix = temporal.taskQueuePrefix;
    installTemporalRuntime(createLogger('warn'));
    const connection = await NativeConnection.connect({ address: testEnvironment().temporalAddress });
    // What `vigil worker` builds (cli/stack.ts startWorkerSet): the worker set with the definitions it loaded.
    const workers = await createWorkers({
      connection,
      namespace: 'default',
      taskQueuePrefix: temporal.taskQueuePrefix,
      workflowCode: { codePath: testEnvironment().workflowBundlePath },
      workerConfig: { ...config.worker, shutdownGraceMs: 1_000 },
      deps: { pool: db.pool, config, log: createLogger('silent'), metrics, definitions: () => ({ services: definitions, apps: [] }) },
    });
    const done = runWorkers(workers);
    stopWorkers = async () => {
      shutdownWorkers(workers);
      await done;
      await connection.close();
    };
  });
  after(async () => {
    for (const id of [...names.map(workflowIds.health), workflowIds.supervisor(temporal.taskQueuePrefix)])
      await temporal.client.workflow
        .getHandle(id)
        .terminate()
        .catch(() => {});
    await stopWorkers();
    await temporal.close();
    await db.close();
  });

  it('starts every defined loop with no apply call, as vigil worker and vigil api do at start', async () => {
    // One loop already runs, started as an apply would (with a short run, so it soon carries state across a continue-as-new).
    await startLoop('health', {
      client: temporal.client,
      taskQueuePrefix: temporal.taskQueuePrefix,
      definition: definitions[0],
      input: { spec: LOOP_KINDS.health.spec(definitions[0]), maxRoundsPerRun: 3 } as never,
    });
    // A short run, so the test sees the supervisor continue as new with its state.
    await temporal.client.workflow.start('supervisorWorkflow', { taskQueue: `${temporal.taskQueuePrefix}-workflows`, workflowId: supervisor().workflowId, args: [{ maxReconcilesPerRun: 2 }] });
    // `vigil worker` and `vigil api` both call this; with the supervisor running each is a signal to reconcile now.
    await startSupervisor(temporal.client, temporal.taskQueuePrefix);
    await startSupervisor(temporal.client, temporal.taskQueuePrefix);
    const status = await eventually(async () => {
      const state = await supervisor().query(supervisorStatusQuery);
      return state.restarted.length ? state : undefined;
    }, 'the supervisor to start the missing loop');
    assert.deepEqual(
      status.restarted.map(({ name, was, carried }) => ({ name, was, carried })),
      [{ name: names[1], was: 'missing', carried: false }],
    );
    assert.deepEqual(status.defined, { health: 2, drift: 0 });
    assert.deepEqual(status.failing, []);
    for (const name of names) assert.equal((await temporal.client.workflow.getHandle(workflowIds.health(name)).describe()).status.name, 'RUNNING');
    assert.equal(await restartedCount(), 1);
  });

  it('starts a loop terminated by hand again within one period, with the state its last run carried', async () => {
    const handle = temporal.client.workflow.getHandle(workflowIds.health(names[0]));
    // Wait until the loop has continued as new, so its current run's input carries state.
    const carriedRound = await eventually(async () => {
      const input = await firstInput(handle);
      return (input.carried?.round ?? 0) > 0 ? input.carried!.round : undefined;
    }, 'the loop to continue as new with its state');
    // The spec digest an apply compares survives continue-as-new (the server carries the memo over).
    assert.equal((await handle.describe()).memo?.[SPEC_DIGEST_MEMO], specDigest(LOOP_KINDS.health.spec(definitions[0])));
    const before = await restartedCount();
    const { runId: deadRun } = await handle.describe();
    await handle.terminate('by hand (test)');
    const terminatedAt = Date.now();
    const back = await eventually(
      async () => {
        const description = await handle.describe();
        return description.status.name === 'RUNNING' && description.runId !== deadRun ? description : undefined;
      },
      'the supervisor to start the terminated loop again',
      PERIOD_MS * 3 + 5_000,
    );
    const recoveryMs = Date.now() - terminatedAt;
    // One period, plus the reconcile itself and polling slack.
    assert.ok(recoveryMs <= PERIOD_MS + 3_000, `back after ${recoveryMs} ms; the period is ${PERIOD_MS} ms`);
    const restartedInput = await firstInput(temporal.client.workflow.getHandle(handle.workflowId, back.runId));
    assert.ok((restartedInput.carried?.round ?? 0) >= carriedRound, `carried round ${restartedInput.carried?.round} < ${carriedRound}`);
    const view = await handle.query(healthStatusQuery);
    assert.ok(view.round >= carriedRound, `the round counter went on from ${carriedRound} (now ${view.round})`);
    const status: SupervisorState = await eventually(async () => {
      const state = await supervisor().query(supervisorStatusQuery);
      return state.restarted.some((restart) => restart.name === names[0]) ? state : undefined;
    }, 'the restart in the supervisor status');
    const restart = status.restarted.find((entry) => entry.name === names[0])!;
    assert.deepEqual({ was: restart.was, carried: restart.carried, kind: restart.kind }, { was: 'terminated', carried: true, kind: 'health' });
    assert.ok(restart.since !== undefined && restart.since <= restart.at);
    assert.ok(status.lastReconcileAt !== undefined && status.lastReconcileAt >= terminatedAt);
    assert.equal(status.restartsTotal, 2);
    // Its runs continue as new with the state: the current run started with the restarts counted before it.
    assert.ok(status.reconciles > 2, `${status.reconciles} reconciles`);
    const supervisorInput = (await firstInput(supervisor())) as { carried?: SupervisorState };
    assert.ok((supervisorInput.carried?.restartsTotal ?? 0) >= 1, 'the supervisor carried its restarts across continue-as-new');
    assert.equal(await restartedCount(), before + 1);
    console.log(`supervisor: a loop terminated by hand was running again after ${recoveryMs} ms (period ${PERIOD_MS} ms)`);
    await saveHistory(supervisor(), 'supervisor');
  });
});

/** The input of the run's first event (what it started with, its carried state included). */
async function firstInput(handle: WorkflowHandle): Promise<{ carried?: { round: number } } & Record<string, unknown>> {
  const history = await handle.fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  return JSON.parse(Buffer.from(payload!.data!).toString('utf8'));
}
