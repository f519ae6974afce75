// The remediation audit trail as a list, newest first. Targets were redacted
// when stored; output is an excerpt.
import type pg from 'pg';
import type { ActionRecord } from '../schemas/services';
import { utcOrNull } from '../validation';

export const ACTIONS_LIMIT = { default: 100, maximum: 1000 };

export interface ActionFilter {
  service?: string;
  since?: string;
  limit?: number;
}

export async function listActions(pool: pg.Pool, { service, since, limit = ACTIONS_LIMIT.default }: ActionFilter): Promise<ActionRecord[]> {
  const { rows } = await pool.query<ActionRecord>(
    `SELECT idempotency_key AS "idempotencyKey", service, step, action_type AS type, target, decided_by AS "decidedBy", reason, status,
            exit_code AS "exitCode", http_status AS "httpStatus", left(output, 1000) AS output,
            to_json(started_at)#>>'{}' AS "startedAt", to_json(finished_at)#>>'{}' AS "finishedAt", duration_ms AS "durationMs"
       FROM remediation_actions
      WHERE ($1::text IS NULL OR service = $1) AND ($2::timestamptz IS NULL OR started_at >= $2)
      ORDER BY started_at DESC LIMIT $3`,
    [service ?? null, utcOrNull(since), limit],
  );
  return rows;
}
