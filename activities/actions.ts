// Remediation actions, exactly once per decision. The row keyed by the
// idempotency key (workflow id + decision number) is claimed before the action
// runs and completed after it. A retry or replay that finds the key finished
// returns the stored result; one that finds it still "running" (the worker died
// mid-action) marks it in-doubt and does NOT run it again: the health checks
// will tell whether it worked.
import { Context } from '@temporalio/activity';
import { runExecAction, runHttpAction } from '../lib/adapters/actions/run';
import type { ActionOutcome, ActionSpec } from '../lib/core/actions/types';
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

const HEARTBEAT_MS = 2_000;

type StoredRow = { status: ActionStatus | 'running'; output: string; exit_code: number | null; http_status: number | null };

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

  async function stored(input: ActionInput): Promise<ActionResult> {
    const { rows } = await pool.query<StoredRow>('SELECT status, output, exit_code, http_status FROM remediation_actions WHERE idempotency_key = $1', [input.key]);
    const row = rows[0];
    if (row.status === 'running') {
      await pool.query(`UPDATE remediation_actions SET status = 'in-doubt', finished_at = now() WHERE idempotency_key = $1 AND status = 'running'`, [input.key]);
      log.warn({ key: input.key, service: input.service }, 'action was interrupted mid-run; not running it again');
      metrics?.remediations.inc({ service: input.service, step: input.step, type: input.action.type, outcome: 'in-doubt' });
      return { key: input.key, status: 'in-doubt', detail: 'interrupted mid-run (the worker stopped); not run again', replayed: true };
    }
    return { key: input.key, status: row.status, detail: row.output.split('\n')[0] ?? '', exitCode: row.exit_code ?? undefined, httpStatus: row.http_status ?? undefined, replayed: true };
  }

  return {
    async runAction(input: ActionInput): Promise<ActionResult> {
      if (!(await claim(input))) return stored(input);
      const context = Context.current();
      const started = performance.now();
      // Heartbeats let Temporal notice a dead worker within the heartbeat timeout, not the action's.
      const beat = setInterval(() => context.heartbeat(), HEARTBEAT_MS);
      let outcome: ActionOutcome;
      try {
        outcome = await perform(input, context.cancellationSignal, notifiers);
      } finally {
        clearInterval(beat);
      }
      const status: ActionStatus = outcome.ok ? 'succeeded' : 'failed';
      await pool.query(
        `UPDATE remediation_actions
            SET status = $2, exit_code = $3, http_status = $4, output = $5, finished_at = now(), duration_ms = $6
          WHERE idempotency_key = $1`,
        [input.key, status, outcome.exitCode ?? null, outcome.httpStatus ?? null, `${outcome.detail}\n${outcome.output}`.slice(0, 4096), performance.now() - started],
      );
      log.info({ key: input.key, service: input.service, step: input.step, status, detail: outcome.detail }, 'remediation action');
      metrics?.remediations.inc({ service: input.service, step: input.step, type: input.action.type, outcome: status });
      return { key: input.key, status, detail: outcome.detail.slice(0, 300), exitCode: outcome.exitCode, httpStatus: outcome.httpStatus, replayed: false };
    },
  };
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
      const detail = notifiers.length ? `notified ${outcomes.length - failed.length} of ${outcomes.length}${failed.length ? ` (failed: ${failed.join(', ')})` : ''}` : 'recorded (no notifier configured)';
      return { ok: failed.length < outcomes.length || !outcomes.length, detail, output: summary };
    }
  }
}
