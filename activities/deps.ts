import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { Logger } from '../lib/adapters/log';
import type { Definitions } from '../lib/core/config/definitions';
import type { VigilConfig } from '../lib/core/config/schema';
import type { Metrics } from '../lib/adapters/metrics';
import type { Notifier } from '../lib/adapters/notify';

/** What activities are built from; the worker passes real ones, tests their own. */
export interface ActivityDeps {
  pool: pg.Pool;
  config: VigilConfig;
  log: Logger;
  /** Names this worker in results and audit rows. */
  identity: string;
  /** Where health events go (Slack, webhooks); none in most tests. */
  notifiers?: Notifier[];
  /** Instruments to record check and action outcomes in (the process's registry). */
  metrics?: Metrics;
  /** A client for activities that start workflows (the hand-off to triage); the worker set passes one. */
  temporal?: { client: Client; workflowTaskQueue: string };
  /** The definitions the supervisor keeps running (the worker reads its config directory); none: it reconciles nothing. */
  definitions?: () => Pick<Definitions, 'services' | 'apps'>;
}
