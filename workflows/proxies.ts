// Every activity proxy the workflows use, with its timeouts and retry policy,
// by task queue. A workflow's queues derive from the queue its own task came on
// (`<base>-workflows` → `<base>-checks`, `-actions`, `-watch`, `-llm`), so each
// proxy is built when called, inside the workflow, never at module load.
// Policies that depend on the work (an action's own timeout, a check's retries)
// take it as an argument.
import { proxyActivities, proxyLocalActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { FAILURES, PROGRAMMING_ERRORS } from '../lib/core/failures';
import { queuesOfWorkflowQueue } from './messages';

const queues = () => queuesOfWorkflowQueue(workflowInfo().taskQueue);
type Retry = NonNullable<ActivityOptions['retry']>;

// ---- checks queue: storage, probes, reads ----

/**
 * Bookkeeping in PostgreSQL (transitions, triage rows): short, idempotent upserts. No
 * attempt limit (a loop must outlive any outage), and a capped backoff so a write goes
 * in within seconds of PostgreSQL's return.
 */
export const storage = (startToCloseTimeout: ActivityOptions['startToCloseTimeout'] = '10 seconds', retry: Retry = { initialInterval: '1 second', maximumInterval: '10 seconds' }) =>
  proxyActivities<Activities>({ taskQueue: queues().checks, startToCloseTimeout, retry });

/** The triage's bookkeeping: its run row, decisions, gate, resolution, and remediation requests. */
export const triageStorage = () => storage('30 seconds', { initialInterval: '1 second', maximumInterval: '30 seconds' });

/**
 * Writes the loop can do later, and must not wait for: the rounds an outage left unstored
 * and the retention pruning before continue-as-new. A failure is caught; the loop tries
 * again after its next round (or run).
 */
export const backlogStorage = () => storage('40 seconds', { initialInterval: '1 second', maximumInterval: '5 seconds', maximumAttempts: 3 });

// A probe's failure is an outcome (down), and its store failing is `stored: false`: only
// a fault of Vigil's own fails the activity, and the loop catches it and goes on.
const PROBE_RETRY: Retry = { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5, nonRetryableErrorTypes: PROGRAMMING_ERRORS };

/**
 * Probes that take at most `longestMs`. Short ones run as local activities: no task-queue
 * round trip, one marker event instead of three. They are read-only (their rows are
 * upserts keyed by round), so running one again after a worker crash is harmless. Long
 * ones keep the checks queue, where they neither hold up the workflow task nor run on the
 * workflow worker.
 */
export const probes = (longestMs: number, local: boolean) =>
  local
    ? // + the store's own 2 s bound (activities/health.ts): a PostgreSQL that hangs must not time the probes out.
      proxyLocalActivities<Activities>({ startToCloseTimeout: longestMs + 4_000, retry: PROBE_RETRY })
    : proxyActivities<Activities>({ taskQueue: queues().checks, startToCloseTimeout: longestMs + 10_000, retry: PROBE_RETRY });

/**
 * Log scans and metric-policy reads. Few, quick attempts: the round waits for them, and
 * the loop catches a failure (the source keeps its last view) so that checks keep their
 * schedule while PostgreSQL is away.
 */
export const readers = (startToCloseTimeout: ActivityOptions['startToCloseTimeout']) =>
  proxyActivities<Activities>({ taskQueue: queues().checks, startToCloseTimeout, retry: { initialInterval: '1 second', maximumInterval: '2 seconds', maximumAttempts: 3 } });

/**
 * Drift reads: reading a git source may clone; reading 1,000 live objects takes a while.
 * The loop catches a failure (an error status) and checks again at its next interval.
 */
export const driftReads = () =>
  proxyActivities<Activities>({ taskQueue: queues().checks, startToCloseTimeout: '5 minutes', retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 3 } });

/** The self-check's one write. */
export const selfCheck = () =>
  proxyActivities<Activities>({ taskQueue: queues().checks, startToCloseTimeout: '10 seconds', retry: { initialInterval: '200 milliseconds', maximumInterval: '5 seconds', maximumAttempts: 10 } });

/**
 * Triage tools: they only read, store their result keyed by tool_use id and take
 * seconds at most, so they run as local activities inside the workflow task that
 * asked for them.
 */
export const triageTools = (toolTimeoutMs: number) =>
  proxyLocalActivities<Activities>({ startToCloseTimeout: toolTimeoutMs + 5_000, retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 3 } });

/**
 * The supervisor's reconcile: a few Temporal calls per loop that is not running. A
 * failure is caught by the supervisor, shown in its status and tried again next
 * period, so a handful of attempts is enough.
 */
export const supervision = () =>
  proxyActivities<Activities>({ taskQueue: queues().checks, startToCloseTimeout: '2 minutes', retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 3 } });

// ---- watch queue: a quiet watch runs many rounds in one activity ----

export const watcher = (startToCloseTimeoutMs: number, heartbeatTimeoutMs: number) =>
  proxyActivities<Activities>({
    taskQueue: queues().watch,
    startToCloseTimeout: startToCloseTimeoutMs,
    heartbeatTimeout: heartbeatTimeoutMs,
    // A lost watch costs a few rounds of history, not a check: the loop runs them itself.
    retry: { maximumAttempts: 1 },
  });

// ---- actions queue: what changes the world, and notifications ----

/** Notifications; a notifier that rejects the event for good is not retried. */
export const notifier = () =>
  proxyActivities<Activities>({
    taskQueue: queues().actions,
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '2 seconds', maximumInterval: '30 seconds', maximumAttempts: 5, nonRetryableErrorTypes: [FAILURES.notifyRejected] },
  });

/**
 * How far past an action's own timeout its attempt may go before Temporal gives up on
 * it: an outage of Temporal, of the worker's connection or of PostgreSQL shorter than
 * this never ends an attempt whose result is still to come.
 */
const ACTION_OUTAGE_MARGIN_MS = 30_000;

/**
 * A remediation step that may take `actionTimeoutMs` itself. Its heartbeat and
 * start-to-close timeouts are longer than that: the runner ends the action at its own
 * timeout, so Temporal's timeouts only notice a worker that is gone (whose action, if
 * it was mid-run, comes back in-doubt on the next attempt) and never cut a running
 * action short. The activity does not stop its program when the attempt is given up
 * (activities/actions.ts); only an explicit cancel does.
 */
export const actions = (actionTimeoutMs: number) =>
  proxyActivities<Activities>({
    taskQueue: queues().actions,
    heartbeatTimeout: actionTimeoutMs + ACTION_OUTAGE_MARGIN_MS,
    startToCloseTimeout: actionTimeoutMs + 2 * ACTION_OUTAGE_MARGIN_MS,
    // Safe to retry: the key makes a repeated call return the first result instead of acting again.
    retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 10 },
  });

/**
 * The hand-off from a health loop that gave up to a triage; keyed by the decision, so a
 * retry never starts two. It keeps trying through a Temporal or PostgreSQL outage of
 * minutes (not five attempts in a minute), then the loop records the give-up without it.
 */
export const handOff = () =>
  proxyActivities<Activities>({
    taskQueue: queues().actions,
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: '10 minutes',
    retry: { initialInterval: '2 seconds', maximumInterval: '30 seconds', nonRetryableErrorTypes: [FAILURES.triageNotAvailable] },
  });

/**
 * A drift sync; the activity heartbeats every 2 s while it applies. Its heartbeat timeout
 * has the actions' outage margin: a Temporal or worker-connection outage shorter than
 * that never gives up an attempt mid-apply, and a given-up attempt's apply is not stopped
 * (only an explicit cancel stops it; the retry re-reads the live state first).
 */
export const driftSyncs = () =>
  proxyActivities<Activities>({
    taskQueue: queues().actions,
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: 10_000 + ACTION_OUTAGE_MARGIN_MS,
    // Safe to retry: the key makes a repeated call return the first result instead of applying again.
    retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 5 },
  });

// ---- llm queue: model calls, rate-limited per queue by the server ----

/** A model turn; `scheduleToCloseMs`, when given, bounds the call and its retries (the triage's time budget). */
export const model = (requestTimeoutMs: number, scheduleToCloseMs?: number) =>
  proxyActivities<Activities>({
    taskQueue: queues().llm,
    startToCloseTimeout: requestTimeoutMs + 30_000,
    ...(scheduleToCloseMs !== undefined ? { scheduleToCloseTimeout: scheduleToCloseMs } : {}),
    // The activity heartbeats during the call: a dead worker is noticed in seconds, not minutes.
    heartbeatTimeout: '20 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes: [FAILURES.llmRejected] },
  });
