// Triages as a list, newest first, from PostgreSQL (triage_runs).
import type pg from 'pg';
import { utcOrNull } from '../validation';
import Type, { type Static } from 'typebox';

export const TriageStatus = Type.Union(['running', 'skipped', 'completed', 'refused', 'cancelled', 'failed'].map((value) => Type.Literal(value)));

export const TriageSummary = Type.Object({
  id: Type.String(),
  workflowId: Type.String(),
  source: Type.String(),
  alertname: Type.String(),
  service: Type.String(),
  status: Type.String(),
  gate: Type.Unknown(),
  budget: Type.Unknown(),
  summary: Type.Union([Type.String(), Type.Null()]),
  /** The report proposes a remediation that nobody has approved or rejected yet (and its window has not ended). */
  awaitingApproval: Type.Boolean(),
  startedAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  resolvedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type TriageSummary = Static<typeof TriageSummary>;

/** SQL over triage_runs: a proposed remediation nobody has approved or rejected yet, whose window has not ended. */
export const AWAITING_APPROVAL = "status = 'completed' AND report ? 'remediation' AND approval IS NULL";

export const TRIAGES_LIMIT = { default: 50, maximum: 500 };

export interface TriageFilter {
  status?: string;
  alertname?: string;
  since?: string;
  limit?: number;
}

export async function listTriages(pool: pg.Pool, { status, alertname, since, limit = TRIAGES_LIMIT.default }: TriageFilter): Promise<TriageSummary[]> {
  const { rows } = await pool.query<Omit<TriageSummary, 'startedAt' | 'finishedAt' | 'resolvedAt'> & { startedAt: Date; finishedAt: Date | null; resolvedAt: Date | null }>(
    `SELECT id, workflow_id AS "workflowId", source, alertname, service, status, gate, budget, report->>'summary' AS summary,
            (${AWAITING_APPROVAL}) AS "awaitingApproval",
            started_at AS "startedAt", finished_at AS "finishedAt", resolved_at AS "resolvedAt"
       FROM triage_runs
      WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR alertname = $2) AND ($3::timestamptz IS NULL OR started_at >= $3)
      ORDER BY started_at DESC LIMIT $4`,
    [status ?? null, alertname ?? null, utcOrNull(since), limit],
  );
  return rows.map((row) => ({ ...row, startedAt: row.startedAt.toISOString(), finishedAt: row.finishedAt?.toISOString() ?? null, resolvedAt: row.resolvedAt?.toISOString() ?? null }));
}
