// Where each defined loop stands (running, or missing / failed / terminated …
// since when), starting a loop again with the state its last run carried, and
// starting the supervisor itself. Used by the supervisor's activity (restarts),
// the API's lists and its vigil_loops_not_running gauge (markers), and by
// `vigil up`, `vigil worker` and `vigil api` at start.
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { decodeArrayFromPayloads } from '@temporalio/common/lib/internal-non-workflow';
import type { Definition } from '../core/config/definitions';
import type { LoopState, SupervisedKind } from '../core/supervisor';
import { superviseSignal, taskQueues, workflowIds } from '../../workflows/messages';
import { LOOP_KINDS, startLoop } from './apply';

export interface LoopPresence {
  name: string;
  workflowId: string;
  state: LoopState;
  /** When the last run closed (epoch ms); absent for running and missing loops. */
  since?: number;
}

const CLOSED: Record<string, LoopState> = {
  FAILED: 'failed',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed-out',
  CANCELLED: 'cancelled',
  COMPLETED: 'completed',
  // The latest run of an id is never continued-as-new for long: its successor is running.
  CONTINUED_AS_NEW: 'running',
  RUNNING: 'running',
};

/** How many describe calls run at once for loops visibility does not list as running. */
const DESCRIBE_CONCURRENCY = 16;

/**
 * Where each of `names` (of one kind) stands. One visibility query lists the running
 * loops; only a name it does not list costs a describe (which also covers visibility
 * that lags a start). Throws what the Temporal client throws.
 */
export async function loopPresence(client: Client, taskQueuePrefix: string, kind: SupervisedKind, names: string[]): Promise<LoopPresence[]> {
  const workflowId = LOOP_KINDS[kind].workflowId;
  const query = `VigilKind = '${kind}' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueues(taskQueuePrefix).workflows}'`;
  const running = new Set<string>();
  for await (const execution of client.workflow.list({ query })) running.add(execution.workflowId);
  const described = new Map(
    (
      await describeLoops(
        client,
        kind,
        names.filter((name) => !running.has(workflowId(name))),
      )
    ).map((presence) => [presence.name, presence]),
  );
  return names.map((name) => described.get(name) ?? { name, workflowId: workflowId(name), state: 'running' });
}

/** Where each of `names` stands, one describe each (for loops a visibility query did not list as running). */
export async function describeLoops(client: Client, kind: SupervisedKind, names: string[]): Promise<LoopPresence[]> {
  const workflowId = LOOP_KINDS[kind].workflowId;
  const found: LoopPresence[] = [];
  for (let i = 0; i < names.length; i += DESCRIBE_CONCURRENCY) {
    found.push(...(await Promise.all(names.slice(i, i + DESCRIBE_CONCURRENCY).map((name) => describeLoop(client, name, workflowId(name))))));
  }
  return found;
}

async function describeLoop(client: Client, name: string, workflowId: string): Promise<LoopPresence> {
  try {
    const { status, closeTime } = await client.workflow.getHandle(workflowId).describe();
    const state = CLOSED[status.name] ?? 'failed';
    return { name, workflowId, state, ...(state !== 'running' && closeTime ? { since: closeTime.getTime() } : {}) };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { name, workflowId, state: 'missing' };
    throw error;
  }
}

/**
 * Starts a loop that is not running again. It carries on with the `carried` state of
 * its last run's input, read from that run's first history event (one event, one
 * page: cheap even for a big history, and there whatever killed the run and whether
 * a worker can replay it). That is the state at the last continue-as-new, so a
 * counter may step back by at most one run's rounds; what the dead run learnt after
 * it is lost, which is why the loops continue as new often. A loop never started,
 * or whose history Temporal no longer keeps, starts fresh. The spec is always the
 * definition's. Returns whether state was carried.
 */
export async function restartLoop(client: Client, taskQueuePrefix: string, kind: SupervisedKind, definition: Definition): Promise<{ carried: boolean }> {
  const spec = LOOP_KINDS[kind].spec(definition);
  const last = await lastRunInput(client, LOOP_KINDS[kind].workflowId(definition.name));
  const carried = last !== undefined && last.carried !== undefined;
  // The last input as a whole (a test's maxRoundsPerRun too), with today's spec.
  await startLoop(kind, { client, taskQueuePrefix, definition, input: { ...(last ?? {}), spec } });
  return { carried };
}

async function lastRunInput(client: Client, workflowId: string): Promise<Record<string, unknown> | undefined> {
  try {
    const { history } = await client.workflowService.getWorkflowExecutionHistory({ namespace: client.options.namespace, execution: { workflowId }, maximumPageSize: 1 });
    const payloads = history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
    if (!payloads?.length) return undefined;
    const [input] = await decodeArrayFromPayloads(client.options.loadedDataConverter, payloads);
    return input && typeof input === 'object' ? (input as Record<string, unknown>) : undefined;
  } catch (error) {
    // Never ran, or its history is past retention: start fresh.
    if ((error as { code?: number }).code === 5 || error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Starts the installation's supervisor if it is not running (USE_EXISTING) and asks it
 * to reconcile now, in one call: a process that starts (a new worker, a rollout)
 * does not wait a whole period for the loops to be put right.
 */
export async function startSupervisor(client: Client, taskQueuePrefix: string): Promise<string> {
  const workflowId = workflowIds.supervisor(taskQueuePrefix);
  await client.workflow.signalWithStart('supervisorWorkflow', {
    taskQueue: taskQueues(taskQueuePrefix).workflows,
    workflowId,
    args: [{}],
    signal: superviseSignal,
    signalArgs: [],
    staticSummary: 'Keeps the running health and drift loops equal to the definitions',
  });
  return workflowId;
}
