// Remediation actions, exactly once per decision. The row keyed by the
// idempotency key (workflow id + decision number) is claimed before the action
// runs and completed after it. A retry or replay that finds the key finished
// returns the stored result; one that finds it still "running" waits until the
// action must have ended by its own timeout (its program may still be running,
// here or left behind by a worker that died), then takes the stored result or,
// when there is none, marks it in-doubt and does NOT run it again: the health
// checks will tell whether it worked.
//
// Vigil's own outages never cut an action in half: the program runs to its end or
// its own timeout even when Temporal gives up on the attempt (a heartbeat or
// start-to-close timeout across a Temporal restart, the workflow gone, the worker
// shutting down). Only an explicit cancel request (a Temporal cancel of the loop)
// stops it early. Its real outcome goes into its row once, even when PostgreSQL is
// away for a while when it ends.
import { Context } from '@temporalio/activity';
import { runExecAction, runHttpAction } from '../lib/adapters/actions/run';
import type { ActionOutcome, ActionSpec } from '../lib/core/actions/types';
import { actionTimeoutMs } from '../lib/core/health/limits';
import { notifyAll, type Notifier } from '../lib/adapters/notify';
import { redactArgv, redactHeaders, redactUrl } from '../lib/core/redact';
import type { ActivityDeps } from './deps';

export interface ActionInput {
  key: string;
  service: string;
  step: string;
  action: ActionSpec;
  decidedBy: string;
  reason: string;
}

export type ActionStatus = 'succeeded' | 'failed' | 'in-doubt';

export interface ActionResult {
  key: string;
  status: ActionStatus;
  detail: string;
  exitCode?: number;
  httpStatus?: number;
  /** True when this call found the action already done (a retry or replay) and did not act. */
  replayed: boolean;
}

/** What the audit trail shows of an action: never a secret. */
export function describeTarget(action: ActionSpec): string {
  if (action.type === 'exec') return JSON.stringify(redactArgv(action.argv));
  if (action.type === 'http') return `${action.method} ${redactUrl(action.url)} ${JSON.stringify(redactHeaders(action.headers))}`;
  return action.message ?? 'notify';
}

/** Whether a cancellation is someone's explicit request (Temporal's 'CANCELLED'), not Temporal giving up on an attempt. */
export function isExplicitCancel(reason: unknown): boolean {
  return reason instanceof Error && reason.message === 'CANCELLED';
}

/** A signal that follows `signal` only for an explicit cancel; timeouts, a lost workflow or a worker shutdown leave it be. */
export function explicitCancelOf(signal: AbortSignal): AbortSignal {
  const controller = new AbortController();
  const follow = () => {
    if (isExplicitCancel(signal.reason)) controller.abort(signal.reason);
  };
  if (signal.aborted) follow();
  else signal.addEventListener('abort', follow, { once: true });
  return controller.signal;
}

const HEARTBEAT_MS = 2_000;
/** A row still "running" this long past its action's own timeout lost its attempt: in doubt. */
const RUNNING_GRACE_MS = 5_000;
/** How long an attempt keeps trying to store the outcome it has while PostgreSQL is away. */
const RECORD_FOR_MS = 10 * 60_000;
export const IN_DOUBT_DETAIL = 'in doubt: the attempt running it was lost mid-run (the worker stopped); not run again';

type StoredRow = { status: ActionStatus | 'running'; output: string; exit_code: number | null; http_status: number | null; age_ms: number };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createActionActivities({ pool, log, notifiers = [], metrics }: ActivityDeps) {
  async function claim(input: ActionInput): Promise<boolean> {
    const { rowCount } = await pool.query(
      `INSERT INTO remediation_actions (idempotency_key, service, step, action_type, target, decided_by, reason, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'running')
       ON CONFLICT (idempotency_key) DO NOTHING`,
      [input.key, input.service, input.step, input.action.type, describeTarget(input.action), input.decidedBy, input.reason.slice(0, 1000)],
    );
    return rowCount === 1;
  }

  async function read(key: string): Promise<StoredRow> {
    const { rows } = await pool.query<StoredRow>(
      `SELECT status, output, exit_code, http_status, (extract(epoch FROM now() - started_at) * 1000)::float8 AS age_ms
         FROM remediation_actions WHERE idempotency_key = $1`,
      [key],
    );
    return rows[0];
  }

  /** Another attempt claimed the key: its result, once it has one or must have had one. */
  async function settled(input: ActionInput): Promise<ActionResult> {
    const limit = actionTimeoutMs(input.action) + RUNNING_GRACE_MS;
    for (;;) {
      const row = await read(input.key);
      if (row.status !== 'running') return fromRow(input.key, row);
      if (row.age_ms >= limit) break;
      Context.current().heartbeat();
      await sleep(Math.min(1_000, limit - row.age_ms));
    }
    const { rowCount } = await pool.query(`UPDATE remediation_actions SET status = 'in-doubt', output = $2, finished_at = now() WHERE idempotency_key = $1 AND status = 'running'`, [
      input.key,
      IN_DOUBT_DETAIL,
    ]);
    // Finished just now: that is the result.
    if (rowCount === 0) return fromRow(input.key, await read(input.key));
    log.warn({ key: input.key, service: input.service }, 'action was interrupted mid-run; not running it again');
    metrics?.remediations.inc({ service: input.service, step: input.step, type: input.action.type, outcome: 'in-doubt' });
    return { key: input.key, status: 'in-doubt', detail: IN_DOUBT_DETAIL, replayed: true };
  }

  /** Stores the outcome; keeps trying while PostgreSQL is away (the outcome exists only here). Replaces an in-doubt another attempt wrote meanwhile. */
  async function record(input: ActionInput, status: ActionStatus, outcome: ActionOutcome, durationMs: number): Promise<void> {
    const deadline = Date.now() + RECORD_FOR_MS;
    for (let wait = 500; ; wait = Math.min(wait * 2, 10_000)) {
      try {
        await pool.query(
          `UPDATE remediation_actions
              SET status = $2, exit_code = $3, http_status = $4, output = $5, finished_at = now(), duration_ms = $6
            WHERE idempotency_key = $1 AND status IN ('running', 'in-doubt')`,
          [input.key, status, outcome.exitCode ?? null, outcome.httpStatus ?? null, `${outcome.detail}\n${outcome.output}`.slice(0, 4096), durationMs],
        );
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        log.warn({ key: input.key, service: input.service, error: String(error) }, 'could not record the outcome of an action yet; trying again');
        Context.current().heartbeat();
        await sleep(wait);
      }
    }
  }

  return {
    async runAction(input: ActionInput): Promise<ActionResult> {
      if (!(await claim(input))) return settled(input);
      const context = Context.current();
      const started = performance.now();
      // Heartbeats carry an explicit cancel to the activity and tell Temporal the worker is alive.
      const beat = setInterval(() => context.heartbeat(), HEARTBEAT_MS);
      const cancel = explicitCancelOf(context.cancellationSignal);
      let outcome: ActionOutcome;
      try {
        outcome = await perform(input, cancel, notifiers);
      } finally {
        clearInterval(beat);
      }
      if (cancel.aborted) outcome = { ...outcome, ok: false, detail: `cancelled on request (${outcome.detail})` };
      const status: ActionStatus = outcome.ok ? 'succeeded' : 'failed';
      await record(input, status, outcome, performance.now() - started);
      const lostAttempt = context.cancellationSignal.aborted && !cancel.aborted;
      log.info(
        { key: input.key, service: input.service, step: input.step, status, detail: outcome.detail, ...(lostAttempt ? { attempt: 'given up by Temporal meanwhile' } : {}) },
        'remediation action',
      );
      metrics?.remediations.inc({ service: input.service, step: input.step, type: input.action.type, outcome: status });
      return { key: input.key, status, detail: outcome.detail.slice(0, 300), exitCode: outcome.exitCode, httpStatus: outcome.httpStatus, replayed: false };
    },
  };
}

function fromRow(key: string, row: StoredRow): ActionResult {
  const status = row.status === 'running' ? 'in-doubt' : row.status;
  return { key, status, detail: row.output.split('\n')[0] ?? '', exitCode: row.exit_code ?? undefined, httpStatus: row.http_status ?? undefined, replayed: true };
}

async function perform(input: ActionInput, signal: AbortSignal, notifiers: Notifier[]): Promise<ActionOutcome> {
  switch (input.action.type) {
    case 'exec':
      return runExecAction(input.action, signal);
    case 'http':
      return runHttpAction(input.action, signal);
    case 'notify': {
      const summary = input.action.message ?? `${input.service}: ${input.reason}`;
      const outcomes = await notifyAll(
        notifiers,
        { kind: input.step === 'give-up' ? 'gave-up' : 'remediated', service: input.service, status: 'unhealthy', at: Date.now(), summary, details: input.reason ? [input.reason] : [] },
        signal,
      );
      const failed = outcomes.filter((outcome) => !outcome.ok).map((outcome) => outcome.name);
      const detail = notifiers.length
        ? `notified ${outcomes.length - failed.length} of ${outcomes.length}${failed.length ? ` (failed: ${failed.join(', ')})` : ''}`
        : 'recorded (no notifier configured)';
      return { ok: failed.length < outcomes.length || !outcomes.length, detail, output: summary };
    }
  }
}
