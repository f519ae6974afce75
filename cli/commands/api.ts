// `vigil api`: the API and ops listener alone. Stateless; scale it freely.
import { apiToken } from '../../api/auth-tokens';
import type { LoadedConfig } from '../../lib/adapters/config/load';
import { ConfigError } from '../../lib/core/config/errors';
import { startSupervisor } from '../../lib/client/supervise';
import { createMetrics, registerDriftStatusGauge, registerServiceStatusGauge } from '../../lib/adapters/metrics';
import { adminTokenFromEnv } from '../admin-token';
import { assertPortsFree, portTakenAtListen } from '../ports';
import { onShutdownSignal } from '../process-signals';
import { apiTokens, openDatabase, processLogger, startApiServer, temporalClient } from '../stack';
import { taskQueues } from '../../workflows/messages';
import { opsPortClaim, requireExternal } from './worker';

export async function api({ config, dir }: LoadedConfig): Promise<void> {
  requireExternal(config.temporal.address, config.database.url, 'api');
  // Before connecting anything: a taken port is a setting to change, not a stack trace.
  const ports = [{ host: config.server.host, port: config.server.port, setting: 'server.port', envName: 'VIGIL_SERVER__PORT' }, opsPortClaim(config, 'api')];
  await assertPortsFree(ports);
  const log = processLogger(config);
  const admin = adminTokenFromEnv(process.env);
  const tokens = apiTokens(config, log, admin ? [apiToken('admin', 'admin', admin.secret)] : []);
  if (!tokens.length) {
    throw new ConfigError([{ source: 'vigil api', path: 'auth.tokens', message: 'no usable API token: configure auth.tokens or set VIGIL_ADMIN_TOKEN' }]);
  }
  const metrics = createMetrics();
  const pool = await openDatabase(config, config.database.url, log, metrics);
  registerServiceStatusGauge(metrics, pool);
  const temporal = temporalClient(config, config.temporal.address);
  registerDriftStatusGauge(metrics, pool, { client: temporal.client, workflowTaskQueue: taskQueues(config.temporal.taskQueuePrefix).workflows });
  const running = await portTakenAtListen(ports, () => startApiServer({ config, pool, temporal, tokens, metrics, log, configDir: dir })).catch(async (error: unknown) => {
    await pool.end();
    await temporal.connection.close();
    throw error;
  });
  // The loops of the definitions start with no apply: the supervisor (run by the workers) starts what is not running.
  await startSupervisor(temporal.client, config.temporal.taskQueuePrefix).then((id) => log.info({ workflowId: id }, 'supervisor started'), (error: unknown) => log.error({ err: error }, 'supervisor not started'));
  onShutdownSignal(async (signal) => {
    log.info({ signal }, 'stopping: draining requests');
    await running.close();
    await pool.end();
    await temporal.connection.close();
    log.info('stopped');
  });
}
