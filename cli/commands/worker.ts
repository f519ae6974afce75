// `vigil worker`: the worker set alone, for compose and Kubernetes. Stateless:
// run as many as you like against one Temporal namespace and database.
import type { LoadedConfig } from '../../lib/config/load';
import { ConfigError } from '../../lib/config/errors';
import { onShutdownSignal } from '../process-signals';
import { openDatabase, processLogger, startWorkerSet } from '../stack';

export async function worker({ config }: LoadedConfig): Promise<void> {
  requireExternal(config.temporal.address, config.database.url, 'worker');
  const log = processLogger(config);
  const pool = await openDatabase(config, config.database.url, log);
  const running = await startWorkerSet({ config, address: config.temporal.address, pool, log });
  onShutdownSignal(async (signal) => {
    log.info({ signal }, 'stopping: finishing in-flight activities');
    await running.stop();
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
