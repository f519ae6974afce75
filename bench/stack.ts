// What every Temporal bench needs: an in-memory dev server and embedded
// PostgreSQL on free 127.0.0.1 ports under a temp dir, the workflow bundle, the
// project's own worker set and a client. Everything started is registered with
// the bench's Cleanup, so it goes away on success, failure, Ctrl-C or time limit.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type pg from 'pg';
import pino from 'pino';
import { configFromObject } from '../lib/adapters/config/load';
import type { VigilConfig } from '../lib/core/config/schema';
import { migrate } from '../lib/adapters/db/migrate';
import { createPool } from '../lib/adapters/db/pool';
import { createLogger } from '../lib/adapters/log';
import { projectRoot } from '../lib/adapters/paths';
import { startEmbeddedPostgres } from '../lib/adapters/postgres/embedded';
import { provisionTemporalCli } from '../lib/adapters/temporal/cli-binary';
import { startDevServer } from '../lib/adapters/temporal/dev-server';
import { installTemporalRuntime } from '../lib/adapters/temporal/runtime';
import { freePort } from '../test/helpers/ports';
import { createWorkers, runWorkers, shutdownWorkers } from '../workers/create-workers';
import { bundleWorkflows } from '../workers/workflow-code';
import type { HealthSpec } from '../lib/core/health/spec';
import { describeMachine, type Cleanup, type Machine } from './lib';

export interface BenchStack {
  machine: Machine;
  client: Client;
  connection: Connection;
  address: string;
  pool: pg.Pool;
  config: VigilConfig;
  /** Task-queue prefix of this bench's workers. */
  prefix: string;
  /** Rejects if the workers stop before the bench is done; race it against each wait. */
  workersStopped: Promise<never>;
}

export async function startBenchStack(cleanup: Cleanup, options: { say: (line: string) => void; devServerArgs?: string[]; config?: Record<string, unknown> }): Promise<BenchStack> {
  const { say } = options;
  const temporalCli = await provisionTemporalCli({ configured: process.env.VIGIL_TEMPORAL_CLI, dataDir: join(projectRoot(), '.vigil'), say });
  const machine = await describeMachine({ temporal: temporalCli });
  if (machine.cpuBusyPercent > 20) say(`warning: the CPU was ${machine.cpuBusyPercent}% busy before the bench started; figures will be skewed`);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  chmodSync(dir, 0o755); // embedded PostgreSQL runs as another user when we are root
  cleanup.defer('remove temp dir', () => rmSync(dir, { recursive: true, force: true }));

  const [temporalPort, postgresPort] = [await freePort(), await freePort()];
  say(`starting Temporal dev server on 127.0.0.1:${temporalPort}, PostgreSQL on 127.0.0.1:${postgresPort}, bundling workflows`);
  const [temporalStart, postgresStart, bundleStart] = await Promise.allSettled([
    startDevServer({
      executable: temporalCli,
      ip: '127.0.0.1',
      port: temporalPort,
      namespace: 'default',
      logFile: join(dir, 'logs', 'temporal.log'),
      pidFile: join(dir, 'run', 'temporal.pid'),
      extraArgs: options.devServerArgs ?? [],
    }),
    startEmbeddedPostgres({ dir, port: postgresPort }),
    bundleWorkflows(),
  ]);
  if (temporalStart.status === 'fulfilled') cleanup.defer('stop Temporal dev server', () => temporalStart.value.stop());
  if (postgresStart.status === 'fulfilled') cleanup.defer('stop PostgreSQL', () => postgresStart.value.stop());
  const value = <T>(part: PromiseSettledResult<T>): T => {
    if (part.status === 'rejected') throw part.reason;
    return part.value;
  };
  const [temporal, postgres, { code }] = [value(temporalStart), value(postgresStart), value(bundleStart)];

  const config = configFromObject({ log: { level: 'warn' }, ...options.config }, 'bench config');
  const pool = createPool({ url: postgres.url, schema: config.database.schema, max: config.database.poolMax });
  cleanup.defer('close pool', () => pool.end());
  await migrate(pool, config.database.schema);

  // Logs go to stderr so that --json leaves stdout to the result.
  const log = createLogger('warn', pino.destination(2));
  installTemporalRuntime(log);
  const workerConnection = await NativeConnection.connect({ address: temporal.address });
  cleanup.defer('close worker connection', () => workerConnection.close());
  const prefix = `bench-${randomBytes(3).toString('hex')}`;
  const workers = await createWorkers({
    connection: workerConnection,
    namespace: 'default',
    taskQueuePrefix: prefix,
    workflowCode: { code },
    workerConfig: { ...config.worker, shutdownGraceMs: 1_000 },
    deps: { pool, config, log },
  });
  const running = runWorkers(workers);
  cleanup.defer('stop workers', async () => {
    shutdownWorkers(workers);
    await running;
  });
  const workersStopped = running.then(() => Promise.reject(new Error('workers stopped before the bench finished')));
  workersStopped.catch(() => {}); // observed through the races the bench runs

  const connection = await Connection.connect({ address: temporal.address });
  cleanup.defer('close client connection', () => connection.close());
  const client = new Client({ connection, namespace: 'default' });
  return { machine, client, connection, address: temporal.address, pool, config, prefix, workersStopped };
}

/** A watched service with one http check every `intervalMs` and no remediation: the fleet benches' unit. */
export function httpCheckedService(service: string, url: string, intervalMs: number): HealthSpec {
  return {
    service,
    checks: [{ name: 'http', intervalMs, spec: { type: 'http', url, timeoutMs: 2_000, expectedStatus: [200], retry: { retries: 0 } } }],
    ladder: [],
    maintenance: [],
    thresholds: { failureThreshold: 3, successThreshold: 2 },
    limits: { cooldownMs: 60_000, maxActions: 3, windowMs: 900_000 },
    flapping: { transitions: 6, windowMs: 600_000 },
    dependsOn: [],
    labels: {},
  };
}
