// PostgreSQL goes away under a fleet of health loops and a drift app (issue 18):
// every loop keeps probing on schedule, says "storage unavailable" while it lasts,
// stores the results of the outage once PostgreSQL is back (no round missing),
// remediates a service that broke during it, and is still running afterwards.
// The outages: 30 s, then 60 s (the 3 min scaled down to keep this file
// near 3 minutes on a 2-core machine; 60 s is four times the ~15 s of retries that
// used to kill loops). Recovery times go to docs/PERFORMANCE.md.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { createPool } from '../../lib/adapters/db/pool';
import { migrate } from '../../lib/adapters/db/migrate';
import type { HealthSpec } from '../../lib/core/health/spec';
import { driftWorkflow, healthWorkflow } from '../../workflows';
import { driftStatusQuery, healthStatusQuery, taskQueues, workflowIds } from '../../workflows/messages';
import { fileAppSpec } from '../drift/specs';
import { eventually } from '../helpers/eventually';
import { connectTestTemporal, startTestWorkers, uniqueName, type TestTemporal } from '../helpers/harness';
import { testHealthSpec } from '../helpers/health-spec';
import { chaosPostgres, type ChaosPostgres } from './rig';

const SERVICES = 20;
const FAILING = 4;
const INTERVAL_MS = 2_000;
/** CHAOS_LONG_OUTAGE_MS=180000 runs the 3 min (with TEST_FILE_TIMEOUT_MS=600000); 60 s keeps the file near 3 minutes. */
const LONG_OUTAGE_MS = Number(process.env.CHAOS_LONG_OUTAGE_MS ?? 60_000);
/** A round may start late on a busy machine: this much past its interval still counts as on schedule. */
const SLACK_MS = 1_500;

/** Local services: /svc/<name> answers 503 while <name> is failing; POST /restart/<name> heals it. */
async function startServices(): Promise<{ server: Server; port: number; failing: Set<string>; restarts: string[] }> {
  const failing = new Set<string>();
  const restarts: string[] = [];
  const server = createServer((request, response) => {
    const [, kind, name] = (request.url ?? '/').split('/');
    if (kind === 'restart' && request.method === 'POST') {
      failing.delete(name);
      restarts.push(name);
    }
    const down = kind === 'svc' && failing.has(name);
    response.statusCode = down ? 503 : 200;
    response.end(down ? 'down' : 'ok');
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  return { server, port: (server.address() as { port: number }).port, failing, restarts };
}

describe('PostgreSQL outage under a fleet of loops', { timeout: 220_000 + LONG_OUTAGE_MS }, () => {
  let postgres: ChaosPostgres;
  let pool: ReturnType<typeof createPool>;
  let temporal: TestTemporal;
  let services: Awaited<ReturnType<typeof startServices>>;
  let stopWorkers: () => Promise<void>;
  let root: string;
  const health: WorkflowHandle<typeof healthWorkflow>[] = [];
  let drift: WorkflowHandle<typeof driftWorkflow>;
  const names: string[] = [];
  const broken = () => names[SERVICES - 1];
  const recovery: { outageMs: number; storageBackMs: number; checksBackMs: number; remediatedMs: number }[] = [];

  before(async () => {
    postgres = await chaosPostgres();
    const schema = uniqueName('chaos');
    pool = createPool({ url: postgres.url, schema, max: 10, connectTimeoutMs: 2_000 });
    await migrate(pool, schema);
    temporal = await connectTestTemporal();
    services = await startServices();
    ({ stop: stopWorkers } = await startTestWorkers({ taskQueuePrefix: temporal.taskQueuePrefix, pool }));
    const prefix = uniqueName('svc').replace('_', '-');
    for (let index = 0; index < SERVICES; index += 1) names.push(`${prefix}-${index}`);
    for (const name of names.slice(0, FAILING)) services.failing.add(name);
    const url = (path: string) => `http://127.0.0.1:${services.port}${path}`;
    for (const name of names) {
      const spec: HealthSpec = testHealthSpec(name, {
        checks: [{ name: 'http', intervalMs: INTERVAL_MS, spec: { type: 'http', url: url(`/svc/${name}`), timeoutMs: 1_000 } }],
        thresholds: { failureThreshold: 2, successThreshold: 1 },
        ladder: name === broken() ? [{ name: 'restart', action: { type: 'http', url: url(`/restart/${name}`), method: 'POST', timeoutMs: 5_000, expectedStatus: [200] }, settleMs: 500 }] : [],
        limits: { cooldownMs: 0, maxActions: 10, windowMs: 900_000 },
      });
      health.push(await temporal.client.workflow.start(healthWorkflow, { taskQueue: taskQueues(temporal.taskQueuePrefix).workflows, workflowId: workflowIds.health(name), args: [{ spec }] }));
    }
    root = mkdtempSync(join(tmpdir(), 'vigil-chaos-drift-'));
    const app = uniqueName('app').replace('_', '-');
    mkdirSync(join(root, app, 'desired'), { recursive: true });
    mkdirSync(join(root, app, 'live'), { recursive: true });
    writeFileSync(join(root, app, 'desired', 'db.json.yaml'), JSON.stringify({ target: 'db.json', state: { pool: 10 } }));
    writeFileSync(join(root, app, 'live', 'db.json'), JSON.stringify({ pool: 10 }));
    drift = await temporal.client.workflow.start(driftWorkflow, {
      taskQueue: taskQueues(temporal.taskQueuePrefix).workflows,
      workflowId: workflowIds.drift(app),
      args: [{ spec: fileAppSpec(root, app, { intervalMs: INTERVAL_MS }) }],
    });
  });

  after(async () => {
    for (const handle of [...health, drift]) await handle?.terminate().catch(() => {});
    await stopWorkers?.();
    services?.server.close();
    await temporal?.close();
    await pool?.end().catch(() => {});
    await postgres?.dispose();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** The rounds stored for `service` between two times, in order. */
  async function roundsBetween(service: string, from: number, to: number): Promise<{ round: number; at: number }[]> {
    const { rows } = await pool.query<{ round: string; at: Date }>(
      `SELECT round, checked_at AS at FROM check_results WHERE service = $1 AND checked_at >= to_timestamp($2 / 1000.0) AND checked_at <= to_timestamp($3 / 1000.0) ORDER BY round`,
      [service, from, to],
    );
    return rows.map((row) => ({ round: Number(row.round), at: row.at.getTime() }));
  }

  async function outage(durationMs: number): Promise<void> {
    // Every loop has stored rounds before the outage.
    await eventually(
      async () => (await Promise.all(health.map((handle) => handle.query(healthStatusQuery)))).every((status) => status.round >= 2 && !status.storage),
      'the fleet checking and storing',
      60_000,
    );
    await eventually(async () => (await health.at(-1)!.query(healthStatusQuery)).status === 'healthy', 'the broken service healthy before the outage', 30_000);
    const restartsBefore = services.restarts.length;
    const down = Date.now();
    await postgres.stop();
    // It breaks while PostgreSQL is away: the loop must notice and remediate anyway.
    services.failing.add(broken());

    const sawUnavailable = await eventually(
      async () => {
        const statuses = await Promise.all(health.map((handle) => handle.query(healthStatusQuery)));
        const driftStatus = await drift.query(driftStatusQuery);
        return statuses.every((status) => status.storage && status.storage.unavailableSince >= down) && driftStatus.storage !== undefined && statuses;
      },
      'every loop saying storage is unavailable',
      durationMs,
    );
    assert.ok(sawUnavailable.every((status) => status.storage!.unavailableSince <= Date.now()));
    await new Promise((resolveWait) => setTimeout(resolveWait, Math.max(0, down + durationMs - Date.now())));
    const up = Date.now();
    await postgres.start();
    const started = Date.now();

    // Storage counts as back once every loop stored the rounds it kept.
    await eventually(async () => (await Promise.all(health.map((handle) => handle.query(healthStatusQuery)))).every((status) => !status.storage), 'every loop storing again', 60_000);
    const storageBackMs = Date.now() - started;
    await eventually(async () => (await drift.query(driftStatusQuery)).storage === undefined, 'the drift app recording again', 30_000);

    for (const handle of [...health, drift]) assert.equal((await handle.describe()).status.name, 'RUNNING', `${handle.workflowId} still running`);

    // Checks resumed within one interval of PostgreSQL's return, and no round of the outage is missing.
    let checksBackMs = 0;
    for (const name of names) {
      const rounds = await roundsBetween(name, down - INTERVAL_MS, up + INTERVAL_MS + SLACK_MS);
      const numbers = rounds.map((row) => row.round);
      assert.equal(numbers.at(-1)! - numbers[0] + 1, numbers.length, `${name}: rounds ${numbers.join(',')} have a gap`);
      assert.ok(numbers.length >= Math.floor(durationMs / (INTERVAL_MS + SLACK_MS)), `${name}: only ${numbers.length} rounds stored for a ${durationMs / 1000} s outage`);
      const after = await eventually(async () => (await roundsBetween(name, started, Date.now())).at(0), `${name} checked after the outage`, 30_000);
      checksBackMs = Math.max(checksBackMs, after.at - started);
    }
    assert.ok(checksBackMs <= INTERVAL_MS + SLACK_MS, `checks resumed ${checksBackMs} ms after PostgreSQL's return`);

    // The service that broke during the outage was restarted and is healthy again.
    await eventually(async () => (await health.at(-1)!.query(healthStatusQuery)).status === 'healthy' && services.restarts.length > restartsBefore, 'the broken service remediated', 60_000);
    const remediatedMs = Date.now() - started;
    const { rows } = await pool.query(`SELECT status FROM remediation_actions WHERE service = $1 ORDER BY started_at DESC LIMIT 1`, [broken()]);
    assert.equal(rows[0]?.status, 'succeeded');
    // The failing ones were judged through the outage and are still unhealthy.
    for (const handle of health.slice(0, FAILING)) assert.equal((await handle.query(healthStatusQuery)).status, 'unhealthy');
    recovery.push({ outageMs: durationMs, storageBackMs, checksBackMs, remediatedMs });
  }

  it('a 30 s outage: every loop keeps checking, says so, stores the outage rounds and remediates', async () => {
    await outage(30_000);
  });

  it(`a ${LONG_OUTAGE_MS / 1000} s outage (the issue's 3 min, scaled down by default): the same`, async () => {
    await outage(LONG_OUTAGE_MS);
    process.stdout.write(`# recovery ${JSON.stringify(recovery)}\n`);
  });
});
