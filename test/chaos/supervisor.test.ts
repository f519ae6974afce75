// Chaos: a real `vigil worker` and `vigil api` (child processes) over the run's
// Temporal and a database of their own, with shipped-like definitions (two HTTP
// services, the example drift app). Nobody calls apply: every loop starts on its
// own. A loop terminated by hand (through the Temporal client, as an operator in the
// Temporal UI would) is marked in GET /api/v1/services while it is down and is
// running again within one supervisor period.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import type { ServiceSummary } from '../../api/schemas/services';
import { workflowIds } from '../../workflows/messages';
import { eventually } from '../helpers/eventually';
import { dropSchema, testEnvironment, uniqueName } from '../helpers/harness';
import { startOkServer, type OkServer } from '../helpers/ok-server';
import { freePort } from '../helpers/ports';
import { runVigil, workerProcessEnv, type VigilRun } from '../helpers/vigil-process';

const ROOT = resolve(__dirname, '..', '..');
// Short, so the test takes seconds; the default is a minute (supervisor.intervalMs).
const PERIOD_MS = 5_000;
const TOKEN = 'chaos-admin-token-0123456789abcdef';

describe('chaos: the supervisor keeps every defined loop running', { timeout: 170_000 }, () => {
  const prefix = uniqueName('chaos-sup').replace(/_/g, '-');
  const schema = uniqueName('chaos_sup');
  const services = ['shop', 'cart'].map((name) => `${name}-${prefix.slice(-8)}`);
  const app = `example-${prefix.slice(-8)}`;
  let dir: string;
  let okServer: OkServer;
  let worker: VigilRun;
  let api: VigilRun;
  let apiUrl: string;
  let connection: Connection;
  let client: Client;
  let startedAt: number;
  let opsOf: { api: number; worker: number };

  before(async () => {
    okServer = await startOkServer();
    dir = mkdtempSync(join(tmpdir(), 'vigil-chaos-sup-'));
    // The shipped settings file; definitions as a user writes them (cf. configs/services/demo.yaml, configs/drift/example.yaml).
    copyFileSync(join(ROOT, 'configs', 'vigil.yaml'), join(dir, 'vigil.yaml'));
    mkdirSync(join(dir, 'services'));
    writeFileSync(
      join(dir, 'services', 'shop.yaml'),
      `services:\n${services.map((name) => `  - name: ${name}\n    checks:\n      - { name: healthz, type: http, url: "http://127.0.0.1:${okServer.port}/healthz", interval: 1s, timeout: 1s }\n`).join('')}`,
    );
    writeFileSync(
      join(dir, 'drift.yaml'),
      `apps:\n  - name: ${app}\n    mode: detect\n    interval: 5s\n    source: { type: directory, path: ${join(ROOT, 'configs', 'drift', 'example')} }\n    provider: { type: file, root: ${join(dir, 'live')} }\n`,
    );
    const [apiPort, apiOps, workerOps] = [await freePort(), await freePort(), await freePort()];
    const env = (opsPort: number, extra: Record<string, string> = {}) =>
      workerProcessEnv({ schema, prefix, opsPort, extra: { VIGIL_CONFIG_DIR: dir, VIGIL_SUPERVISOR__INTERVAL_MS: String(PERIOD_MS), VIGIL_ADMIN_TOKEN: TOKEN, ...extra } });
    apiUrl = `http://127.0.0.1:${apiPort}`;
    opsOf = { api: apiOps, worker: workerOps };
    connection = await Connection.connect({ address: testEnvironment().temporalAddress });
    client = new Client({ connection, namespace: 'default' });
    startedAt = Date.now();
    worker = runVigil(['worker'], env(workerOps));
    api = runVigil(['api'], env(apiOps, { VIGIL_SERVER__PORT: String(apiPort) }));
  });
  after(async () => {
    for (const run of [api, worker]) run?.child.kill('SIGTERM');
    await Promise.all([api?.exited, worker?.exited]);
    for (const id of [...services.map(workflowIds.health), workflowIds.drift(app), workflowIds.supervisor(prefix)])
      await client.workflow
        .getHandle(id)
        .terminate()
        .catch(() => {});
    await connection?.close();
    okServer?.close();
    await dropSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  });

  const running = async (workflowId: string) =>
    (
      await client.workflow
        .getHandle(workflowId)
        .describe()
        .catch(() => undefined)
    )?.status.name === 'RUNNING';
  const list = async (): Promise<ServiceSummary[]> => {
    const response = await fetch(`${apiUrl}/api/v1/services`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(response.status, 200);
    return (await response.json()) as ServiceSummary[];
  };
  /** A sample of a metric on a process's ops listener, or undefined. */
  const sample = async (process: 'api' | 'worker', series: string): Promise<number | undefined> => {
    const text = await (await fetch(`http://127.0.0.1:${opsOf[process]}/metrics`)).text();
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  const alive = (run: VigilRun, name: string) => assert.equal(run.child.exitCode, null, `${name} exited:\n${run.stdout()}\n${run.stderr()}`);

  it('starts every defined loop with no apply', async () => {
    const ids = [...services.map(workflowIds.health), workflowIds.drift(app)];
    await eventually(
      async () => {
        alive(worker, 'vigil worker');
        alive(api, 'vigil api');
        return (await Promise.all(ids.map(running))).every(Boolean);
      },
      'every loop running',
      120_000,
    );
    console.log(`chaos supervisor: ${ids.length} loops running ${Date.now() - startedAt} ms after vigil worker and vigil api were started (workflow bundling included)`);
    const listed = await eventually(
      async () => {
        const body = await list().catch(() => undefined);
        return body?.length === services.length && body.every((service) => service.loop === 'running') && body;
      },
      'the API to list both services as running',
      30_000,
    );
    assert.deepEqual(
      listed.map((service) => service.name),
      [...services].sort(),
    );
  });

  it('marks a loop terminated by hand and starts it again within one period', async () => {
    const handle = client.workflow.getHandle(workflowIds.health(services[0]));
    const { runId } = await handle.describe();
    const restartsBefore = (await sample('worker', 'vigil_loops_restarted_total{kind="health"}')) ?? 0;
    assert.equal(await sample('api', 'vigil_loops_not_running{kind="health"}'), 0);
    await handle.terminate('by hand (chaos test)');
    const terminatedAt = Date.now();
    let marked: ServiceSummary | undefined;
    let counted: number | undefined;
    const back = await eventually(
      async () => {
        const body = await list();
        const shown = body.find((service) => service.name === services[0]);
        if (shown && shown.loop !== 'running') {
          marked = shown;
          counted = Math.max(counted ?? 0, (await sample('api', 'vigil_loops_not_running{kind="health"}')) ?? 0);
        }
        const description = await handle.describe();
        return description.status.name === 'RUNNING' && description.runId !== runId && shown?.loop === 'running';
      },
      'the loop back and listed as running',
      PERIOD_MS * 2 + 10_000,
    );
    assert.ok(back);
    const recoveryMs = Date.now() - terminatedAt;
    assert.equal(marked?.loop, 'terminated', 'GET /services marked it while it was down');
    assert.equal(marked?.status, 'unknown');
    assert.ok(marked?.loopSince, 'with the time it ended');
    assert.equal(counted, 1, 'vigil_loops_not_running counted it while it was down');
    assert.equal(await sample('api', 'vigil_loops_not_running{kind="health"}'), 0);
    await eventually(async () => ((await sample('worker', 'vigil_loops_restarted_total{kind="health"}')) ?? 0) > restartsBefore, 'the worker to count the restart');
    // One period plus the reconcile and the list's polling.
    assert.ok(recoveryMs <= PERIOD_MS + 4_000, `back after ${recoveryMs} ms (period ${PERIOD_MS} ms)`);
    console.log(`chaos supervisor: a health loop terminated by hand was running and listed again after ${recoveryMs} ms (period ${PERIOD_MS} ms)`);
    alive(worker, 'vigil worker');
    alive(api, 'vigil api');
  });
});
