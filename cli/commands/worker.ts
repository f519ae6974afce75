// `vigil worker`: the worker set alone, for compose and Kubernetes. Stateless:
// run as many as you like against one Temporal namespace and database.
import type { LoadedConfig } from '../../lib/adapters/config/load';
import { ConfigError } from '../../lib/core/config/errors';
import { onShutdownSignal } from '../process-signals';
import { buildOpsApp } from '../../api/ops';
import { Readiness } from '../../api/readiness';
import { createMetrics } from '../../lib/adapters/metrics';
import { ensureSearchAttributes, openDatabase, processLogger, startWorkerSet, temporalClient } from '../stack';

export async function worker({ config }: LoadedConfig): Promise<void> {
  requireExternal(config.temporal.address, config.database.url, 'worker');
  const log = processLogger(config);
  const metrics = createMetrics();
  const pool = await openDatabase(config, config.database.url, log, metrics);
  const temporal = temporalClient(config, config.temporal.address);
  // A cluster (compose's cluster profile, Kubernetes) may not have Vigil's search
  // attributes yet; workflows that upsert them would fail. Best effort, as in `vigil up`.
  await ensureSearchAttributes(temporal.connection, temporal.namespace, log);
  const running = await startWorkerSet({ config, address: config.temporal.address, pool, log, metrics });
  // The worker's own ops listener: its metrics (checks, actions) and probes for its orchestrator.
  const readiness = new Readiness({ pool, connection: temporal.connection, metrics });
  const ops = await buildOpsApp({ metrics, readiness, log });
  await ops.listen({ host: config.server.ops.host, port: config.server.ops.port, listenTextResolver: () => '' });
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
