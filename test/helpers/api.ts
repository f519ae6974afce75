// Builds the real API app over the run's PostgreSQL and Temporal, with tokens of
// each role, for app.inject tests.
import type { FastifyInstance } from 'fastify';
import { Client, Connection } from '@temporalio/client';
import { buildApp } from '../../api/app';
import { apiToken } from '../../api/auth-tokens';
import type { ApiDeps } from '../../api/deps';
import { createLogger, type Logger } from '../../lib/adapters/log';
import { createMetrics } from '../../lib/adapters/metrics';
import { taskQueues } from '../../workflows/messages';
import { testConfig, testEnvironment, type TestDatabase } from './harness';

export const TOKENS = {
  read: 'read-token-0123456789abcdef',
  operate: 'operate-token-0123456789abcdef',
  admin: 'admin-token-0123456789abcdef',
} as const;

export const bearer = (role: keyof typeof TOKENS) => ({ authorization: `Bearer ${TOKENS[role]}` });

export interface TestApi {
  app: FastifyInstance;
  deps: ApiDeps;
  close(): Promise<void>;
}

export async function buildTestApi(options: {
  db: TestDatabase;
  taskQueuePrefix: string;
  config?: Record<string, unknown>;
  /** Point the client somewhere else (e.g. a dead port) to test failures. */
  temporalAddress?: string;
  log?: Logger;
  configDir?: string;
}): Promise<TestApi> {
  const address = options.temporalAddress ?? testEnvironment().temporalAddress;
  const connection = Connection.lazy({ address });
  const config = testConfig(options.config);
  config.temporal.taskQueuePrefix = options.taskQueuePrefix;
  const deps: ApiDeps = {
    config,
    configDir: options.configDir,
    pool: options.db.pool,
    temporal: {
      client: new Client({ connection, namespace: 'default' }),
      connection,
      namespace: 'default',
      address,
      taskQueues: taskQueues(options.taskQueuePrefix),
      uiUrl: 'http://127.0.0.1:8233',
    },
    tokens: (Object.keys(TOKENS) as (keyof typeof TOKENS)[]).map((role) => apiToken(`${role}-user`, role, TOKENS[role])),
    metrics: createMetrics(),
    log: options.log ?? createLogger('silent'),
    version: 'test',
  };
  const app = await buildApp(deps);
  return {
    app,
    deps,
    async close() {
      await app.close();
      await connection.close();
    },
  };
}
