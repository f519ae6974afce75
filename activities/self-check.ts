import { Context } from '@temporalio/activity';
import type { ActivityDeps } from './deps';

export function createSelfCheckActivities({ pool, identity }: ActivityDeps) {
  return {
    /** Upserts by workflow id: a retry rewrites the same row and counts the attempt. */
    async recordSelfCheck(input: { workflowId: string; requestedBy: string; note: string }) {
      const attempt = Context.current().info.attempt;
      const { rows } = await pool.query<{ checked_at: Date }>(
        `INSERT INTO self_checks (workflow_id, requested_by, note, worker, attempts)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (workflow_id) DO UPDATE SET worker = EXCLUDED.worker, attempts = EXCLUDED.attempts, checked_at = now()
         RETURNING checked_at`,
        [input.workflowId, input.requestedBy, input.note.slice(0, 500), identity, attempt],
      );
      return { worker: identity, databaseTime: rows[0].checked_at.toISOString(), attempts: attempt };
    },
  };
}
