// The health loop on the real dev server, worker and PostgreSQL, against a real
// HTTP service whose health the test switches.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import type { HealthSpec } from '../../lib/core/health/spec';
import { healthWorkflow } from '../../workflows';
import { configureUpdate, healthStatusQuery, pauseSignal, resumeSignal, SEARCH_ATTRIBUTES, taskQueues, workflowIds } from '../../workflows/messages';
import { eventually } from '../helpers/eventually';
import { saveHistory } from '../helpers/histories';
import { connectTestTemporal, createTestDatabase, startTestWorkers, testEnvironment, uniqueName, type TestDatabase, type TestTemporal } from '../helpers/harness';
import { testHealthSpec } from '../helpers/health-spec';
import { ALL_PATHS, NO_PATH, startSwitchableServer, type SwitchableServer } from '../helpers/switchable-server';

const DEEP = (path: string) => path === '/deep';

describe('health workflow', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let target: SwitchableServer;
  let stopWorkers: () => Promise<void>;

  before(async () => {
    db = await createTestDatabase('health');
    temporal = await connectTestTemporal();
    target = await startSwitchableServer();
    ({ stop: stopWorkers } = await startTestWorkers({ taskQueuePrefix: temporal.taskQueuePrefix, pool: db.pool, maxCachedWorkflows: 0 }));
  });
  after(async () => {
    await stopWorkers();
    target.close();
    await temporal.close();
    await db.close();
  });

  function spec(service: string): HealthSpec {
    return testHealthSpec(service, {
      checks: [{ name: 'http', intervalMs: 300, spec: { type: 'http', url: target.url('/healthz'), timeoutMs: 1_000 } }],
      thresholds: { failureThreshold: 2, successThreshold: 2 },
    });
  }

  async function start(service: string, maxRoundsPerRun?: number): Promise<WorkflowHandle<typeof healthWorkflow>> {
    return temporal.client.workflow.start(healthWorkflow, {
      taskQueue: taskQueues(temporal.taskQueuePrefix).workflows,
      workflowId: workflowIds.health(service),
      args: [{ spec: spec(service), maxRoundsPerRun }],
    });
  }

  const statusOf = (handle: WorkflowHandle) => handle.query(healthStatusQuery);

  it('goes healthy, then unhealthy after failureThreshold failures, recording each transition with its reason', async () => {
    target.failing = NO_PATH;
    const service = uniqueName('web').replace('_', '-');
    const handle = await start(service);
    try {
      await eventually(async () => (await statusOf(handle)).status === 'healthy', 'healthy');
      target.failing = ALL_PATHS;
      const down = await eventually(async () => {
        const status = await statusOf(handle);
        return status.status === 'unhealthy' && status;
      }, 'unhealthy');
      assert.ok(down.consecutiveFailures >= 2);
      assert.equal(down.checks[0].up, false);
      assert.match(down.checks[0].detail, /503/);

      const rows = await eventually(async () => {
        const result = await db.pool.query('SELECT from_status, to_status, reason FROM health_transitions WHERE service = $1 ORDER BY round', [service]);
        return result.rows.length === 2 && result.rows;
      }, 'two transitions stored');
      assert.deepEqual(
        rows.map((row) => `${row.from_status}->${row.to_status}`),
        ['unknown->healthy', 'healthy->unhealthy'],
      );
      assert.match(rows[1].reason, /http: .*503/);
      const results = await db.pool.query('SELECT count(*)::int AS n, bool_or(up) AS some_up, bool_and(up) AS all_up FROM check_results WHERE service = $1', [service]);
      assert.ok(results.rows[0].n >= 3);
      assert.deepEqual([results.rows[0].some_up, results.rows[0].all_up], [true, false]);
      const description = await eventually(async () => {
        const described = await handle.describe();
        return described.typedSearchAttributes.get(SEARCH_ATTRIBUTES.status) === 'unhealthy' && described;
      }, 'VigilStatus=unhealthy');
      assert.equal(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.service), service);

      target.failing = NO_PATH;
      await eventually(async () => (await statusOf(handle)).status === 'healthy', 'healthy again');
      await handle.signal(pauseSignal, { reason: 'recorded', by: 'test' });
      await eventually(async () => (await statusOf(handle)).paused, 'paused');
      await handle.terminate('test done');
      await saveHistory(handle, 'health-transitions');
    } finally {
      await handle.terminate('test done').catch(() => {});
    }
  });

  it('watches a healthy service quietly, and a new spec interrupts the watch at once', async () => {
    target.failing = NO_PATH;
    const service = uniqueName('quiet').replace('_', '-');
    // A 5 s interval makes a quiet watch of up to 45 s: longer than the wait below.
    const slow = { ...spec(service), checks: [{ ...spec(service).checks[0], intervalMs: 5_000 }] };
    const handle = await temporal.client.workflow.start(healthWorkflow, {
      taskQueue: taskQueues(temporal.taskQueuePrefix).workflows,
      workflowId: workflowIds.health(service),
      args: [{ spec: slow }],
    });
    try {
      await eventually(async () => (await statusOf(handle)).status === 'healthy', 'healthy');
      await eventually(async () => (await handle.describe()).raw.pendingActivities?.some((activity) => activity.activityType?.name === 'watchChecks'), 'a quiet watch running');
      const renamed = { ...slow, checks: [{ ...slow.checks[0], name: 'http-v2' }] };
      assert.deepEqual(await handle.executeUpdate(configureUpdate, { args: [renamed] }), { changed: true });
      const view = await eventually(
        async () => {
          const status = await statusOf(handle);
          return status.checks.some((check) => check.name === 'http-v2') && status;
        },
        'the new check run',
        20_000,
      );
      assert.deepEqual(
        view.checks.map((check) => check.name),
        ['http-v2'],
      );
    } finally {
      await handle.terminate('test done');
    }
  });

  it('never stores a round of its own over a round an interrupted quiet watch stored', async () => {
    const service = uniqueName('renumber').replace('_', '-');
    const path = `/healthz-${service}`;
    let probes = 0;
    target.failing = (requested) => {
      if (requested === path) probes += 1;
      return false;
    };
    // 1 s rounds: a quiet watch of up to 9 s, several of whose rounds are stored before the spec changes.
    const watched: HealthSpec = { ...spec(service), checks: [{ name: 'http', intervalMs: 1_000, spec: { type: 'http', url: target.url(path), timeoutMs: 1_000 } }] };
    const handle = await temporal.client.workflow.start(healthWorkflow, {
      taskQueue: taskQueues(temporal.taskQueuePrefix).workflows,
      workflowId: workflowIds.health(service),
      args: [{ spec: watched }],
    });
    const rows = async () => Number((await db.pool.query('SELECT count(*) FROM check_results WHERE service = $1', [service])).rows[0].count);
    try {
      await eventually(async () => (await statusOf(handle)).status === 'healthy', 'healthy');
      await eventually(async () => (await handle.describe()).raw.pendingActivities?.some((activity) => activity.activityType?.name === 'watchChecks'), 'a quiet watch running');
      const before = await rows();
      await eventually(async () => (await rows()) >= before + 3, 'three rounds of the watch stored', 20_000);
      // The same check, a new timeout: the watch is interrupted, and the loop's rounds go on under the same check name.
      const changed = { ...watched, checks: [{ ...watched.checks[0], spec: { ...watched.checks[0].spec, timeoutMs: 900 } }] };
      assert.deepEqual(await handle.executeUpdate(configureUpdate, { args: [changed] }), { changed: true });
      const roundAfter = (await statusOf(handle)).round;
      await eventually(async () => (await statusOf(handle)).round >= roundAfter + 4, 'four more rounds', 20_000);
    } finally {
      await handle.terminate('test done');
    }
    // The cancelled watch stops at its next heartbeat or its deadline (9 s at most): then every probe is in.
    await new Promise((resolveWait) => setTimeout(resolveWait, 10_000));
    // A round stored over another would leave fewer rows than probes (one probe may have been cut short by the end).
    assert.ok((await rows()) >= probes - 1, `${await rows()} rows stored for ${probes} probes`);
  });

  it('takes pause and resume signals', async () => {
    target.failing = NO_PATH;
    const handle = await start(uniqueName('paused').replace('_', '-'));
    try {
      await handle.signal(pauseSignal, { reason: 'deploying', by: 'alice' });
      assert.deepEqual(await eventually(async () => (await statusOf(handle)).paused, 'paused'), { reason: 'deploying', by: 'alice' });
      // Lists read the pause from the memo, without a query per service.
      assert.deepEqual(await eventually(async () => (await handle.describe()).memo?.paused, 'the pause in the memo'), { reason: 'deploying', by: 'alice' });
      await handle.signal(resumeSignal);
      await eventually(async () => (await statusOf(handle)).paused === undefined, 'resumed');
      assert.equal((await handle.describe()).memo?.paused, undefined);
      const until = Date.now() + 1_500;
      await handle.signal(pauseSignal, { reason: 'brief', until });
      assert.deepEqual(await eventually(async () => (await handle.describe()).memo?.paused, 'the brief pause in the memo'), { reason: 'brief', until });
      await eventually(async () => (await statusOf(handle)).paused === undefined, 'a pause whose time has passed ends by itself');
      await eventually(async () => (await handle.describe()).memo?.paused === undefined, 'and leaves the memo');
    } finally {
      await handle.terminate('test done');
    }
  });

  it('continues as new, carrying its state', async () => {
    target.failing = NO_PATH;
    const service = uniqueName('long').replace('_', '-');
    await db.pool.query(`INSERT INTO check_results (service, round, check_name, checked_at, up, latency_ms, attempts) VALUES ($1, -1, 'http', now() - interval '30 days', true, 1, 1)`, [service]);
    const handle = await start(service, 3);
    try {
      const firstRun = (await handle.describe()).runId;
      await handle.signal(pauseSignal, { reason: 'carried', by: 'test' });
      await eventually(async () => (await temporal.client.workflow.getHandle(handle.workflowId).describe()).runId !== firstRun, 'a new run');
      assert.deepEqual(await eventually(async () => (await statusOf(handle)).paused, 'the pause carried'), { reason: 'carried', by: 'test' });
      assert.deepEqual((await temporal.client.workflow.getHandle(handle.workflowId).describe()).memo?.paused, { reason: 'carried', by: 'test' }, 'and still in the memo');
      const status = await eventually(async () => {
        const view = await statusOf(handle);
        return view.round >= 5 && view;
      }, 'five rounds');
      assert.equal(status.status, 'healthy', 'status carried');
      assert.ok(status.checks[0].baseline!.samples >= 5, 'baseline carried');
      const old = await db.pool.query(`SELECT count(*)::int AS n FROM check_results WHERE service = $1 AND round = -1`, [service]);
      assert.equal(old.rows[0].n, 0, 'results older than the retention were pruned before continuing as new');
      await saveHistory(handle, 'health-continued-as-new', firstRun);
    } finally {
      await temporal.client.workflow.getHandle(handle.workflowId).terminate('test done');
    }
  });

  it('continues as new by history size too, carrying the rounds and never waiting for the round limit', async () => {
    target.failing = ALL_PATHS; // failing: the loop runs each round itself, the costliest history
    const service = uniqueName('big').replace('_', '-');
    const handle = await temporal.client.workflow.start(healthWorkflow, {
      taskQueue: taskQueues(temporal.taskQueuePrefix).workflows,
      workflowId: workflowIds.health(service),
      args: [{ spec: spec(service), maxHistoryEvents: 40 }],
    });
    try {
      const firstRun = (await handle.describe()).runId;
      await eventually(async () => (await temporal.client.workflow.getHandle(handle.workflowId).describe()).runId !== firstRun, 'a new run', 60_000);
      const first = await temporal.client.workflow.getHandle(handle.workflowId, firstRun).describe();
      assert.equal(first.status.name, 'CONTINUED_AS_NEW');
      // The limit is checked once a round: a round's events past it, never the 500 rounds of the default.
      assert.ok(first.historyLength >= 40 && first.historyLength < 60, `${first.historyLength} events in the first run`);
      const status = await statusOf(handle);
      assert.equal(status.status, 'unhealthy', 'status carried');
    } finally {
      target.failing = NO_PATH;
      await temporal.client.workflow.getHandle(handle.workflowId).terminate('test done');
    }
  });

  it('takes the same signals, query and update from the Temporal CLI', async () => {
    target.failing = NO_PATH;
    const service = uniqueName('cli').replace('_', '-');
    const handle = await start(service);
    const { temporalCli, temporalAddress } = testEnvironment();
    const temporalCommand = (...args: string[]) =>
      new Promise<string>((resolveRun, reject) =>
        execFile(temporalCli, [...args, '--address', temporalAddress, '--workflow-id', handle.workflowId], (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolveRun(stdout),
        ),
      );
    try {
      await eventually(async () => (await statusOf(handle)).round >= 1, 'first round');
      await temporalCommand('workflow', 'signal', '--name', 'pause', '--input', '{"reason":"from the CLI","by":"ops"}');
      assert.deepEqual(await eventually(async () => (await statusOf(handle)).paused, 'paused'), { reason: 'from the CLI', by: 'ops' });
      const queried = JSON.parse(await temporalCommand('workflow', 'query', '--name', 'status', '--output', 'json'));
      assert.equal(queried.queryResult[0].service, service);
      await temporalCommand('workflow', 'signal', '--name', 'resume');
      await eventually(async () => (await statusOf(handle)).paused === undefined, 'resumed');
      const refused = await temporalCommand('workflow', 'update', 'execute', '--name', 'remediate', '--input', '{"reason":"try"}').then(
        () => 'accepted',
        (error: Error) => error.message,
      );
      assert.match(refused, /has no remediation steps/);
    } finally {
      await handle.terminate('test done');
    }
  });

  it('fails on a log pattern over its threshold, with the matched line as evidence, and recovers when the window passes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-logs-'));
    const log = join(dir, 'app.log');
    writeFileSync(log, 'INFO started\n');
    const service = uniqueName('logs').replace('_', '-');
    const handle = await temporal.client.workflow.start(healthWorkflow, {
      taskQueue: taskQueues(temporal.taskQueuePrefix).workflows,
      workflowId: workflowIds.health(service),
      args: [
        {
          spec: {
            ...spec(service),
            checks: [],
            logs: [{ name: 'errors', intervalMs: 200, spec: { path: log, patterns: [{ name: 'error', regex: 'ERROR' }], threshold: { count: 3, withinMs: 1_500 }, maxEvidenceLines: 5 } }],
            thresholds: { failureThreshold: 1, successThreshold: 1 },
          },
        },
      ],
    });
    try {
      await eventually(async () => (await statusOf(handle)).status === 'healthy', 'healthy');
      appendFileSync(log, 'ERROR db timeout\nINFO retry\nERROR db timeout\nERROR disk full on /var\n');
      const down = await eventually(async () => {
        const status = await statusOf(handle);
        return status.status === 'unhealthy' && status;
      }, 'unhealthy from the log');
      assert.equal(down.checks[0].name, 'log:errors');
      assert.match(down.checks[0].detail, /error: 3 within 1\.5 s — ERROR disk full on \/var/);
      await eventually(async () => (await statusOf(handle)).status === 'healthy', 'healthy once the matches leave the window');
    } finally {
      await handle.terminate('test done');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // A slow check's failure counts once: a check that runs every few seconds beside
  // one that runs often must not make one failure into a streak of the fast one's rounds.
  describe('with a slow check beside a fast one', () => {
    async function startWithSlowCheck(service: string): Promise<WorkflowHandle<typeof healthWorkflow>> {
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
      const handle = await startWithSlowCheck(service);
      try {
        await eventually(async () => (await handle.query(healthStatusQuery)).status === 'healthy', 'healthy');
        target.failing = DEEP;
        await eventually(async () => (await deepResults(service)).some((row) => !row.up), 'one failed deep check');
        target.failing = NO_PATH;
        await eventually(async () => (await deepResults(service)).at(-1)?.up === true, 'the next deep check passes');
        const fastRounds = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM check_results WHERE service = $1 AND check_name = 'fast'`, [service]);
        assert.ok(fastRounds.rows[0].n >= 5, 'fast rounds ran while the deep failure was the latest');
        assert.deepEqual(
          (await transitions(service)).map((row) => row.to_status),
          ['healthy'],
          'never unhealthy',
        );
        assert.equal((await handle.query(healthStatusQuery)).status, 'healthy');
      } finally {
        await handle.terminate('test done').catch(() => {});
      }
    });

    it('goes unhealthy on failureThreshold failures of the slow check itself', async () => {
      target.failing = NO_PATH;
      const service = uniqueName('deep-down').replaceAll('_', '-');
      const handle = await startWithSlowCheck(service);
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
});
