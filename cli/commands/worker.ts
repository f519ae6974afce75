// `vigil worker`: the worker set alone, for compose and Kubernetes. Stateless:
// run as many as you like against one Temporal namespace and database.
import { loadConfig, type LoadedConfig } from '../../lib/adapters/config/load';
import { startSupervisor } from '../../lib/client/supervise';
import { ConfigError } from '../../lib/core/config/errors';
import type { VigilConfig } from '../../lib/core/config/schema';
import { assertPortsFree, portTakenAtListen, type PortClaim } from '../ports';
import { Shutdown, StopRequested } from '../process-signals';
import { buildOpsApp } from '../../api/ops';
import { Readiness } from '../../api/readiness';
import { createMetrics } from '../../lib/adapters/metrics';
import { ensureSearchAttributes, openDatabase, processLogger, startWorkerSet, temporalClient, type RunningWorkers } from '../stack';
import type { Logger } from '../../lib/adapters/log';
import { installTemporalRuntime } from '../../lib/adapters/temporal/runtime';

export async function worker({ config, dir }: LoadedConfig): Promise<void> {
  const log = processLogger(config);
  await underShutdown(log, 'stopping: finishing in-flight activities', (shutdown) => startWorker(config, dir, shutdown, log));
}

/**
 * Runs a long-lived command's start-up (`vigil worker`, `vigil api`) with Vigil's signal
 * handling in place before anything starts: a signal at any moment stops what has
 * started, in reverse order, and exits 0; a failed start stops what it had started.
 */
export async function underShutdown(log: Logger, stopping: string, start: (shutdown: Shutdown) => Promise<void>): Promise<void> {
  const shutdown = new Shutdown({ progress: logProgress(log), onSignal: (signal) => log.info({ signal }, stopping) }).ownSignals();
  try {
    await start(shutdown);
  } catch (error) {
    // A stop under way (a signal, a lost worker) ends the process itself.
    if (shutdown.stopping) return;
    await shutdown.stop().catch(() => {});
    throw error;
  }
}

async function startWorker(config: VigilConfig, dir: string, shutdown: Shutdown, log: Logger): Promise<void> {
  requireExternal(config.temporal.address, config.database.url, 'worker');
  // Before connecting anything: a taken port is a setting to change, not a stack trace.
  const ports = [opsPortClaim(config, 'worker')];
  await shutdown.step(assertPortsFree(ports));
  installTemporalRuntime(log);
  const metrics = createMetrics();
  const pool = await shutdown.start(undefined, openDatabase(config, config.database.url, log, metrics), (opened) => () => opened.end());
  const temporal = temporalClient(config, config.temporal.address);
  shutdown.onStop(undefined, () => temporal.connection.close());
  // A cluster (compose's cluster profile, Kubernetes) may not have Vigil's search
  // attributes yet; workflows that upsert them would fail. Best effort, as in `vigil up`.
  await shutdown.step(ensureSearchAttributes(temporal.connection, temporal.namespace, log));
  // The worker's own ops listener: its metrics (checks, actions) and probes for its
  // orchestrator. Up before the workers, it says "not ready" until they all poll,
  // and stays up while they drain.
  let running: RunningWorkers | undefined;
  const readiness = new Readiness({ pool, connection: temporal.connection, metrics });
  readiness.require('workers', () => running?.allRunning() ?? false);
  const ops = await shutdown.step(buildOpsApp({ metrics, readiness, log }));
  await shutdown.start(
    'the ops listener',
    portTakenAtListen(ports, () => ops.listen({ host: config.server.ops.host, port: config.server.ops.port, listenTextResolver: () => '' })),
    () => () => ops.close(),
  );
  const onLost = (error: Error) => {
    if (shutdown.stopping) return;
    log.fatal({ err: error }, 'a worker stopped on its own; stopping');
    void shutdown.exit(1);
  };
  running = await shutdown.start(
    'the workers',
    startWorkerSet({ config, address: config.temporal.address, pool, log, metrics, onLost, definitions: () => loadConfig({ dir }).definitions }),
    (started) => () => started.stop(),
  );
  shutdown.onStop(undefined, async () => readiness.startDraining());
  // The loops of the definitions start with no apply: the supervisor starts what is not running.
  await shutdown.step(startSupervisor(temporal.client, config.temporal.taskQueuePrefix)).then(
    (id) => log.info({ workflowId: id }, 'supervisor started'),
    (error: unknown) => {
      if (error instanceof StopRequested) throw error;
      log.error({ err: error }, 'supervisor not started');
    },
  );
}

/** The stop's steps as log lines (`vigil worker`, `vigil api`). */
export const logProgress =
  (log: Logger) =>
  (what: string | undefined, ms?: number): void => {
    if (what === undefined) log.info('stopped');
    else if (ms === undefined) log.info(`stopping ${what}`);
    else log.info({ ms }, `stopped ${what}`);
  };

export function requireExternal(temporalAddress: string, databaseUrl: string, command: string): void {
  const problems = [];
  if (!temporalAddress) problems.push({ source: `vigil ${command}`, path: 'temporal.address', message: 'is required (set TEMPORAL_ADDRESS); only `vigil up` starts its own server' });
  if (!databaseUrl) problems.push({ source: `vigil ${command}`, path: 'database.url', message: 'is required (set DATABASE_URL); only `vigil up` starts embedded PostgreSQL' });
  if (problems.length) throw new ConfigError(problems);
}

/**
 * `vigil api` and `vigil worker` each serve their metrics and probes on
 * server.ops.port; on one host each needs its own, which the per-process env
 * override gives without a second config file.
 */
export function opsPortClaim(config: VigilConfig, command: 'api' | 'worker'): PortClaim {
  const { host, port } = config.server.ops;
  return {
    host,
    port,
    setting: 'server.ops.port',
    envName: 'VIGIL_SERVER__OPS__PORT',
    hint: `\`vigil api\` and \`vigil worker\` on one host each need their own: give this one another, e.g. VIGIL_SERVER__OPS__PORT=${port === 65_535 ? port - 1 : port + 1} vigil ${command}`,
  };
}
