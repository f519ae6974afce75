// What every integration test file uses: the run's Temporal server and PostgreSQL
// (started by test/run.ts), a schema of its own with migrations applied, and a
// worker set on task queues of its own, so files never see each other's state.
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import pg from 'pg';
import { configFromObject } from '../../lib/adapters/config/load';
import type { VigilConfig } from '../../lib/core/config/schema';
import { createPool, quoteIdentifier } from '../../lib/adapters/db/pool';
import { migrate } from '../../lib/adapters/db/migrate';
import { createLogger } from '../../lib/adapters/log';
import type { Metrics } from '../../lib/adapters/metrics';
import type { Notifier } from '../../lib/adapters/notify';
import { installTemporalRuntime } from '../../lib/adapters/temporal/runtime';
import { createWorkers } from '../../workers/create-workers';

export interface TestEnvironment {
  temporalAddress: string;
  databaseUrl: string;
  workflowBundlePath: string;
  temporalCli: string;
  tmpDir: string;
}

export function testEnvironment(): TestEnvironment {
  const env = process.env;
  if (!env.TEST_VIGIL_TEMPORAL_ADDRESS || !env.TEST_VIGIL_DATABASE_URL || !env.TEST_VIGIL_WORKFLOW_BUNDLE) {
    throw new Error('integration tests need the harness: run them with `npm test` (or `npm test -- <path>`)');
  }
  return {
    temporalAddress: env.TEST_VIGIL_TEMPORAL_ADDRESS,
    databaseUrl: env.TEST_VIGIL_DATABASE_URL,
    workflowBundlePath: env.TEST_VIGIL_WORKFLOW_BUNDLE,
    temporalCli: env.TEST_VIGIL_TEMPORAL_CLI ?? '',
    tmpDir: env.TEST_VIGIL_TMP ?? '',
  };
}

/** A short unique name, usable in schemas, task queues and workflow ids. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export interface TestDatabase {
  pool: pg.Pool;
  schema: string;
  url: string;
  close(): Promise<void>;
}

/** A fresh schema with every migration applied; close() drops it. */
export async function createTestDatabase(prefix = 't'): Promise<TestDatabase> {
  const { databaseUrl } = testEnvironment();
  const schema = uniqueName(prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_'));
  const pool = createPool({ url: databaseUrl, schema, max: 5 });
  await migrate(pool, schema);
  return {
    pool,
    schema,
    url: databaseUrl,
    async close() {
      await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
      await pool.end();
    },
  };
}

/** Drops a schema that a `vigil` child process created and migrated in the run's database. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: testEnvironment().databaseUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`).finally(() => client.end());
}

export function testConfig(overrides: Record<string, unknown> = {}): VigilConfig {
  return configFromObject({ log: { level: 'silent' }, ...overrides }, 'test config');
}

export interface TestTemporal {
  client: Client;
  connection: Connection;
  taskQueuePrefix: string;
  close(): Promise<void>;
}

export async function connectTestTemporal(prefix = uniqueName('tq')): Promise<TestTemporal> {
  const connection = await Connection.connect({ address: testEnvironment().temporalAddress });
  return {
    client: new Client({ connection, namespace: 'default' }),
    connection,
    taskQueuePrefix: prefix,
    close: () => connection.close(),
  };
}

/** The project's own worker set, on the given queues and schema. */
export async function createTestWorkers(options: {
  taskQueuePrefix: string;
  pool: pg.Pool;
  config?: VigilConfig;
  maxCachedWorkflows?: number;
  notifiers?: Notifier[];
  metrics?: Metrics;
}): Promise<{ workers: Worker[]; connection: NativeConnection }> {
  const env = testEnvironment();
  const config = options.config ?? testConfig();
  installTemporalRuntime(createLogger('warn'));
  const connection = await NativeConnection.connect({ address: env.temporalAddress });
  const workers = await createWorkers({
    connection,
    namespace: 'default',
    taskQueuePrefix: options.taskQueuePrefix,
    workflowCode: { codePath: env.workflowBundlePath },
    workerConfig: { ...config.worker, shutdownGraceMs: 1_000 },
    deps: { pool: options.pool, config, log: createLogger('silent'), notifiers: options.notifiers, metrics: options.metrics },
    maxCachedWorkflows: options.maxCachedWorkflows,
  });
  return { workers, connection };
}

/** Starts the project's workers in the background for a whole test file; `stop` shuts them down. */
export async function startTestWorkers(options: Parameters<typeof createTestWorkers>[0]): Promise<{ stop(): Promise<void> }> {
  const { workers, connection } = await createTestWorkers(options);
  const runs = workers.map((worker) => worker.run());
  return {
    async stop() {
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await Promise.all(runs);
      await connection.close();
    },
  };
}

/** Runs `fn` while the workers run, then shuts them down. */
export async function withWorkers<T>(workers: Worker[], fn: () => Promise<T>): Promise<T> {
  const [first, ...rest] = workers;
  const runs = rest.map((worker) => worker.run());
  try {
    return await first.runUntil(fn);
  } finally {
    for (const worker of rest) if (worker.getState() === 'RUNNING') worker.shutdown();
    await Promise.all(runs);
  }
}
