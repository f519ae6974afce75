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
      // A quiet watch needs no grace: cancelled with WORKER_SHUTDOWN, it hands back
      // the rounds it has run and the loop goes on elsewhere (activities/watch.ts).
      // With the common grace, a stop waited up to shutdownGraceMs for a watch
      // that only heard of it when the grace ran out. Actions keep their grace.
      ...(kind === 'watch' ? { shutdownGraceTime: 0 } : {}),
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

/**
 * Runs the set until every worker has stopped. One that stops, whether it failed
 * or was shut down by someone else, takes the rest with it: half a set leaves
 * some queues without a worker while the process looks alive. Rejects with the
 * first failure. `onStopped` hears of each worker as it stops.
 */
export async function runWorkers(workers: Worker[], onStopped?: (worker: Worker, error?: Error) => void): Promise<void> {
  const stopped = (worker: Worker, error?: Error) => {
    onStopped?.(worker, error);
    shutdownWorkers(workers);
  };
  const runs = workers.map((worker) =>
    worker.run().then(
      () => stopped(worker),
      (error: Error) => {
        stopped(worker, error);
        throw error;
      },
    ),
  );
  const results = await Promise.allSettled(runs);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}

/** True while every worker of the set is running (polling its queue); false from the moment one stops. */
export function allRunning(workers: Worker[]): boolean {
  return workers.every((worker) => worker.getState() === 'RUNNING');
}

export function shutdownWorkers(workers: Worker[]): void {
  for (const worker of workers) {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  }
}
