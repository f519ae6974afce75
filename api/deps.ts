// What the API is built from. The CLI passes real ones; tests pass their own.
import type { Client, Connection } from '@temporalio/client';
import type pg from 'pg';
import type { VigilConfig } from '../lib/core/config/schema';
import type { Logger } from '../lib/adapters/log';
import type { Metrics } from '../lib/adapters/metrics';
import type { TaskQueues } from '../workflows/messages';
import type { ApiToken } from './auth-tokens';

export interface ApiDeps {
  config: VigilConfig;
  /** Where `POST /config/apply` re-reads definitions from (absolute). */
  configDir?: string;
  pool: pg.Pool;
  temporal: {
    client: Client;
    connection: Connection;
    namespace: string;
    address: string;
    taskQueues: TaskQueues;
    /** Base URL of the Temporal Web UI, when known. */
    uiUrl?: string;
  };
  tokens: ApiToken[];
  metrics: Metrics;
  log: Logger;
  version: string;
}
