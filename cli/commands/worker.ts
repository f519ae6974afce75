// `vigil worker`: the worker set alone, for compose and Kubernetes. Stateless:
// run as many as you like against one Temporal namespace and database.
import { loadConfig, type LoadedConfig } from '../../lib/adapters/config/load';
import { startSupervisor } from '../../lib/client/supervise';
import { ConfigError } from '../../lib/core/config/errors';
import type { VigilConfig } from '../../lib/core/config/schema';
import { assertPortsFree, portTakenAtListen, type PortClaim } from '../ports';
import { onShutdownSignal } from '../process-signals';
import { buildOpsApp } from '../../api/ops';
import { Readiness } from '../../api/readiness';
import { createMetrics } from '../../lib/adapters/metrics';
import { ensureSearchAttributes, openDatabase, processLogger, startWorkerSet, temporalClient } from '../stack';

export async function worker({ config, dir }: LoadedConfig): Promise<void> {
  requireExternal(config.temporal.address, config.database.url, 'worker');
  // Before connecting anything: a taken port is a setting to change, not a stack trace.
  const ports = [opsPortClaim(config, 'worker')];
  await assertPortsFree(ports);
  const log = processLogger(config);
  const metrics = createMetrics();
  const pool = await openDatabase(config, config.database.url, log, metrics);
  const temporal = temporalClient(config, config.temporal.address);
  // A cluster (compose's cluster profile, Kubernetes) may not have Vigil's search
  // attributes yet; workflows that upsert them would fail. Best effort, as in `vigil up`.
  await ensureSearchAttributes(temporal.connection, temporal.namespace, log);
  const running = await startWorkerSet({ config, address: config.temporal.address, pool, log, metrics, definitions: () => loadConfig({ dir }).definitions });
  // The loops of the definitions start with no apply: the supervisor starts what is not running.
  await startSupervisor(temporal.client, config.temporal.taskQueuePrefix).then((id) => log.info({ workflowId: id }, 'supervisor started'), (error: unknown) => log.error({ err: error }, 'supervisor not started'));
  // The worker's own ops listener: its metrics (checks, actions) and probes for its orchestrator.
  const readiness = new Readiness({ pool, connection: temporal.connection, metrics });
  const ops = await buildOpsApp({ metrics, readiness, log });
  await portTakenAtListen(ports, () => ops.listen({ host: config.server.ops.host, port: config.server.ops.port, listenTextResolver: () => '' })).catch(async (error: unknown) => {
    await running.stop();
    await pool.end();
    throw error;
  });
  onShutdownSignal(async (signal) => {
    log.info({ signal }, 'stopping: finishing in-flight activities');
    readiness.startDraining();
    await running.stop();
    await ops.close();
    await temporal.connection.close();
    await pool.end();
    log.info('stopped');
  });
  running.done.catch(async (error) => {
    log.fatal({ err: error }, 'worker failed');
    await pool.end().catch(() => {});
    process.exit(1);
  });
}

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
