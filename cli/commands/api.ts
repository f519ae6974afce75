// `vigil api`: the API and ops listener alone. Stateless; scale it freely.
import { apiToken } from '../../api/auth-tokens';
import type { LoadedConfig } from '../../lib/adapters/config/load';
import { ConfigError } from '../../lib/core/config/errors';
import { startSupervisor } from '../../lib/client/supervise';
import { createMetrics, registerDriftStatusGauge, registerServiceStatusGauge } from '../../lib/adapters/metrics';
import { adminTokenFromEnv } from '../admin-token';
import { assertPortsFree, portTakenAtListen } from '../ports';
import { Shutdown, StopRequested } from '../process-signals';
import { apiTokens, openDatabase, processLogger, startApiServer, temporalClient } from '../stack';
import { taskQueues } from '../../workflows/messages';
import { opsPortClaim, requireExternal, underShutdown } from './worker';
import type { Logger } from '../../lib/adapters/log';
import type { VigilConfig } from '../../lib/core/config/schema';

export async function api({ config, dir }: LoadedConfig): Promise<void> {
  const log = processLogger(config);
  await underShutdown(log, 'stopping: draining requests', (shutdown) => startApi(config, dir, shutdown, log));
}

async function startApi(config: VigilConfig, dir: string, shutdown: Shutdown, log: Logger): Promise<void> {
  requireExternal(config.temporal.address, config.database.url, 'api');
  // Before connecting anything: a taken port is a setting to change, not a stack trace.
  const ports = [{ host: config.server.host, port: config.server.port, setting: 'server.port', envName: 'VIGIL_SERVER__PORT' }, opsPortClaim(config, 'api')];
  await shutdown.step(assertPortsFree(ports));
  const admin = adminTokenFromEnv(process.env);
  const tokens = apiTokens(config, log, admin ? [apiToken('admin', 'admin', admin.secret)] : []);
  if (!tokens.length) {
    throw new ConfigError([{ source: 'vigil api', path: 'auth.tokens', message: 'no usable API token: configure auth.tokens or set VIGIL_ADMIN_TOKEN' }]);
  }
  const metrics = createMetrics();
  const pool = await shutdown.start(undefined, openDatabase(config, config.database.url, log, metrics), (opened) => () => opened.end());
  registerServiceStatusGauge(metrics, pool);
  const temporal = temporalClient(config, config.temporal.address);
  shutdown.onStop(undefined, () => temporal.connection.close());
  registerDriftStatusGauge(metrics, pool, { client: temporal.client, workflowTaskQueue: taskQueues(config.temporal.taskQueuePrefix).workflows });
  const listening = portTakenAtListen(ports, () => startApiServer({ config, pool, temporal, tokens, metrics, log, configDir: dir }));
  await shutdown.start('the API (draining requests)', listening, (running) => () => running.close());
  // The loops of the definitions start with no apply: the supervisor (run by the workers) starts what is not running.
  await shutdown.step(startSupervisor(temporal.client, config.temporal.taskQueuePrefix)).then(
    (id) => log.info({ workflowId: id }, 'supervisor started'),
    (error: unknown) => {
      if (error instanceof StopRequested) throw error;
      log.error({ err: error }, 'supervisor not started');
    },
  );
}
