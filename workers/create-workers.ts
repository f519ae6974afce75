// Builds the worker set for one process: one Temporal Worker per task queue, each
// sized for its kind of work (see workflows/messages.ts for the queues).
import { hostname } from 'node:os';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import type { VigilConfig } from '../lib/core/config/schema';
import { taskQueues, type QueueKind } from '../workflows/messages';
import { permanentDatabaseErrors } from './permanent-database-errors';
import type { WorkflowCode } from './workflow-code';

export interface WorkerSetOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueuePrefix: string;
  workflowCode: WorkflowCode;
  workerConfig: VigilConfig['worker'];
  deps: Omit<ActivityDeps, 'identity'> & { identity?: string };
  /** Replays every workflow task (tests: catches nondeterminism early). */
  maxCachedWorkflows?: number;
}

export function defaultIdentity(): string {
  return `vigil-worker@${hostname()}:${process.pid}`;
}

export async function createWorkers(options: WorkerSetOptions): Promise<Worker[]> {
  const identity = options.deps.identity ?? defaultIdentity();
  const queues = taskQueues(options.taskQueuePrefix);
  // Activities that start workflows (the hand-off to triage) use the worker's own connection.
  const temporal = options.deps.temporal ?? { client: new Client({ connection: options.connection, namespace: options.namespace }), workflowTaskQueue: queues.workflows };
  const activities = createActivities({ ...options.deps, identity, temporal });
  const { workerConfig } = options;
  const common = {
    connection: options.connection,
    namespace: options.namespace,
    identity,
    shutdownGraceTime: workerConfig.shutdownGraceMs,
    // A hung activity must not keep the process from exiting.
    shutdownForceTime: workerConfig.shutdownGraceMs + 5_000,
    interceptors: { activity: [permanentDatabaseErrors] },
  };
  const activityWorker = (kind: Exclude<QueueKind, 'workflows'>) => {
    const limits = workerConfig.queues[kind];
    return Worker.create({
      ...common,
      taskQueue: queues[kind],
      activities,
      maxConcurrentActivityTaskExecutions: limits.maxConcurrentActivities,
      ...(limits.maxActivitiesPerSecond > 0 ? { maxTaskQueueActivitiesPerSecond: limits.maxActivitiesPerSecond } : {}),
    });
  };
  return Promise.all([
    Worker.create({
      ...common,
      taskQueue: queues.workflows,
      workflowBundle: options.workflowCode,
      activities,
      maxConcurrentWorkflowTaskExecutions: options.workerConfig.maxConcurrentWorkflowTasks,
      maxCachedWorkflows: options.maxCachedWorkflows ?? workerConfig.maxCachedWorkflows,
    }),
    activityWorker('checks'),
    activityWorker('watch'),
    activityWorker('actions'),
    activityWorker('llm'),
  ]);
}

/** Runs the set until `shutdown()` is called on every worker (or one fails). */
export async function runWorkers(workers: Worker[]): Promise<void> {
  try {
    await Promise.all(workers.map((worker) => worker.run()));
  } catch (error) {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    throw error;
  }
}

export function shutdownWorkers(workers: Worker[]): void {
  for (const worker of workers) {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  }
}
