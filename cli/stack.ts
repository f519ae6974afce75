// The pieces every long-running command assembles: logger, database, Temporal
// connections, the worker set and the API. `up` uses all of them in one
// process; `worker` and `api` each use their half.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import pino from 'pino';
import type pg from 'pg';
import { resolveTokens, type ApiToken } from '../api/auth-tokens';
import { startApi, type RunningApi } from '../api/server';
import type { VigilConfig } from '../lib/core/config/schema';
import { createPool } from '../lib/adapters/db/pool';
import { migrate } from '../lib/adapters/db/migrate';
import { createLogger, type Logger } from '../lib/adapters/log';
import type { Metrics } from '../lib/adapters/metrics';
import { projectRoot } from '../lib/adapters/paths';
import { temporalTarget } from '../lib/adapters/temporal/connection';
import { buildNotifiers } from '../lib/adapters/notify';
import { installTemporalRuntime } from '../lib/adapters/temporal/runtime';
import type { ActivityDeps } from '../activities';
import { allRunning, createWorkers, runWorkers, shutdownWorkers } from '../workers/create-workers';
import { loadWorkflowCode, type WorkflowCode } from '../workers/workflow-code';
import { SEARCH_ATTRIBUTE_NAMES, taskQueues } from '../workflows/messages';

export function vigilVersion(): string {
  return JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')).version;
}

/** Containers: JSON lines on stdout. `up`: a file with everything plus warnings on stderr. */
export function processLogger(config: VigilConfig, logFile?: string): Logger {
  if (!logFile) return createLogger(config.log.level);
  const streams = pino.multistream([
    { level: config.log.level === 'silent' ? 'fatal' : config.log.level, stream: pino.destination({ dest: logFile, mkdir: true, sync: false }) },
    { level: 'warn', stream: process.stderr },
  ]);
  return createLogger(config.log.level, streams);
}

export async function openDatabase(config: VigilConfig, url: string, log: Logger, metrics?: Metrics): Promise<pg.Pool> {
  const pool = createPool({
    url,
    schema: config.database.schema,
    max: config.database.poolMax,
    connectTimeoutMs: config.database.connectTimeoutMs,
    onError: (error) => {
      metrics?.dependencyErrors.inc({ dependency: 'postgres' });
      // Not `err: error`: pg hangs the whole client (and its connection settings) on the error.
      log.warn({ error: error.message, code: (error as { code?: string }).code }, 'idle PostgreSQL connection failed');
    },
  });
  if (config.database.migrateOnStart) {
    const applied = await migrate(pool, config.database.schema);
    if (applied.length) log.info({ applied }, 'migrations applied');
  }
  return pool;
}

/** Registers Vigil's search attributes on a server that does not have them yet (best effort). */
export async function ensureSearchAttributes(connection: Connection, namespace: string, log: Logger): Promise<void> {
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = SEARCH_ATTRIBUTE_NAMES.filter((name) => !(customAttributes && name in customAttributes));
    if (!missing.length) return;
    // 2 = INDEXED_VALUE_TYPE_KEYWORD
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((name) => [name, 2])),
    });
    log.info({ missing }, 'registered search attributes');
  } catch (error) {
    log.warn({ err: error }, 'could not register search attributes; register them with `temporal operator search-attribute create` (see README)');
  }
}

export interface RunningWorkers {
  workers: Worker[];
  /** Settles when every worker has stopped. */
  done: Promise<void>;
  /** True while every worker polls its queue; /-/ready requires it. */
  allRunning(): boolean;
  stop(): Promise<void>;
}

export async function startWorkerSet(options: {
  config: VigilConfig;
  address: string;
  pool: pg.Pool;
  log: Logger;
  workflowCode?: WorkflowCode;
  metrics?: Metrics;
  /**
   * Called once if a worker stops without stop() having been called (a fatal
   * error, a shutdown from inside the SDK); the others are stopping with it.
   * The command then stops and exits non-zero: no process lives on without its workers.
   */
  onLost?: (error: Error) => void;
  /** What the supervisor's reconcile keeps running (the process's config directory, read each time). */
  definitions?: ActivityDeps['definitions'];
}): Promise<RunningWorkers> {
  const { config, log } = options;
  installTemporalRuntime(log);
  const { notifiers, problems } = buildNotifiers(config, process.env);
  for (const problem of problems) log.warn({ problem }, 'notifier disabled');
  const target = temporalTarget(config, options.address);
  const connection = await NativeConnection.connect({ address: target.address, tls: target.tls, apiKey: target.apiKey });
  const workers = await createWorkers({
    connection,
    namespace: target.namespace,
    taskQueuePrefix: config.temporal.taskQueuePrefix,
    workflowCode: options.workflowCode ?? (await loadWorkflowCode()),
    workerConfig: config.worker,
    deps: { pool: options.pool, config, log: log.child({ component: 'activity' }), notifiers, metrics: options.metrics, definitions: options.definitions },
  });
  let stopAsked = false;
  const lost = (worker: Worker, error?: Error) => {
    if (stopAsked) return;
    stopAsked = true;
    options.onLost?.(error ?? new Error(`the worker of task queue ${worker.options.taskQueue} stopped without being asked to`));
  };
  const done = runWorkers(workers, lost).finally(() => connection.close());
  // With `onLost`, the caller hears of a failure there; `done` still rejects for stop().
  if (options.onLost) done.catch(() => {});
  log.info({ taskQueues: taskQueues(config.temporal.taskQueuePrefix) }, 'workers polling');
  return {
    workers,
    done,
    allRunning: () => allRunning(workers),
    async stop() {
      stopAsked = true;
      shutdownWorkers(workers);
      await done;
    },
  };
}

export interface TemporalClientHandle {
  client: Client;
  connection: Connection;
  namespace: string;
  address: string;
}

/** A lazy client: the API starts even while Temporal is away, and /-/ready says so. */
export function temporalClient(config: VigilConfig, address: string): TemporalClientHandle {
  const target = temporalTarget(config, address);
  const connection = Connection.lazy({ address: target.address, tls: target.tls, apiKey: target.apiKey });
  return { client: new Client({ connection, namespace: target.namespace }), connection, namespace: target.namespace, address };
}

export function apiTokens(config: VigilConfig, log: Logger, extra: ApiToken[] = []): ApiToken[] {
  const { tokens, missing } = resolveTokens(config.auth.tokens, process.env);
  for (const name of missing) log.warn({ token: name }, 'API token skipped: its secret is not set');
  return [...tokens, ...extra];
}

export async function startApiServer(options: {
  config: VigilConfig;
  pool: pg.Pool;
  temporal: TemporalClientHandle;
  tokens: ApiToken[];
  metrics: Metrics;
  log: Logger;
  uiUrl?: string;
  configDir?: string;
}): Promise<RunningApi> {
  const { config, temporal } = options;
  return startApi({
    config,
    configDir: options.configDir,
    pool: options.pool,
    temporal: { ...temporal, taskQueues: taskQueues(config.temporal.taskQueuePrefix), uiUrl: options.uiUrl || config.temporal.uiUrl || undefined },
    tokens: options.tokens,
    metrics: options.metrics,
    log: options.log,
    version: vigilVersion(),
  });
}
