// Triages from PostgreSQL: the list (triage_runs, newest first) and one
// triage's stored row with its transcript and tool calls.
import type pg from 'pg';
import type { TriageDetail, TriageSummary } from '../schemas/triage';
import { utcOrNull } from '../validation';

/** SQL over triage_runs: a proposed remediation nobody has approved or rejected yet, whose window has not ended. */
export const AWAITING_APPROVAL = "status = 'completed' AND report ? 'remediation' AND approval IS NULL";

export const TRIAGES_LIMIT = { default: 50, maximum: 500 };

export interface TriageFilter {
  status?: string;
  alertname?: string;
  since?: string;
  limit?: number;
}

/** pg hands timestamptz columns over as Date; the API shows them as RFC 3339 text. */
type Stored<T, Times extends keyof T> = Omit<T, Times> & { [K in Times]: null extends T[K] ? Date | null : Date };
const shown = (time: Date | null | undefined) => time?.toISOString() ?? null;

export async function listTriages(pool: pg.Pool, { status, alertname, since, limit = TRIAGES_LIMIT.default }: TriageFilter): Promise<TriageSummary[]> {
  const { rows } = await pool.query<Stored<TriageSummary, 'startedAt' | 'finishedAt' | 'resolvedAt'>>(
    `SELECT id, workflow_id AS "workflowId", source, alertname, service, status, gate, budget, report->>'summary' AS summary,
            (${AWAITING_APPROVAL}) AS "awaitingApproval",
            started_at AS "startedAt", finished_at AS "finishedAt", resolved_at AS "resolvedAt"
       FROM triage_runs
      WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR alertname = $2) AND ($3::timestamptz IS NULL OR started_at >= $3)
      ORDER BY started_at DESC LIMIT $4`,
    [status ?? null, alertname ?? null, utcOrNull(since), limit],
  );
  return rows.map((row) => ({ ...row, startedAt: row.startedAt.toISOString(), finishedAt: shown(row.finishedAt), resolvedAt: shown(row.resolvedAt) }));
}

type StoredTriage = Omit<TriageDetail, 'progress' | 'temporalUiUrl' | 'transcript' | 'toolCalls' | 'cost'>;
type Turn = TriageDetail['transcript'][number];
type ToolCall = TriageDetail['toolCalls'][number];

/** The triage's row, transcript and tool calls; undefined until the triage has written its row (its first step). */
export async function readTriage(pool: pg.Pool, id: string): Promise<(StoredTriage & Pick<TriageDetail, 'transcript' | 'toolCalls'>) | undefined> {
  const [runs, messages, tools] = await Promise.all([
    pool.query<Stored<Required<StoredTriage>, 'startedAt' | 'finishedAt' | 'resolvedAt'>>(
      `SELECT id, workflow_id AS "workflowId", source, alertname, service, fingerprint, labels, annotations, question, status, gate, budget, report, approval,
              (${AWAITING_APPROVAL}) AS "awaitingApproval", started_at AS "startedAt", finished_at AS "finishedAt", resolved_at AS "resolvedAt" FROM triage_runs WHERE id = $1`,
      [id],
    ),
    pool.query<Stored<Turn, 'at'>>(
      `SELECT turn, role, content, model, stop_reason AS "stopReason", usage, duration_ms AS "durationMs", created_at AS "at" FROM triage_messages WHERE triage_id = $1 ORDER BY turn, role DESC`,
      [id],
    ),
    pool.query<Stored<ToolCall, 'at'>>(
      `SELECT tool_use_id AS "toolUseId", turn, name, input, status, output, full_output AS "fullOutput", truncated, duration_ms AS "durationMs", created_at AS "at" FROM triage_tool_calls WHERE triage_id = $1 ORDER BY created_at`,
      [id],
    ),
  ]);
  const run = runs.rows[0];
  if (!run) return undefined;
  return {
    ...run,
    startedAt: run.startedAt.toISOString(),
    finishedAt: shown(run.finishedAt),
    resolvedAt: shown(run.resolvedAt),
    transcript: messages.rows.map((row) => ({ ...row, at: row.at.toISOString() })),
    toolCalls: tools.rows.map((row) => ({ ...row, at: row.at.toISOString() })),
  };
}

/** What became of a triage whose workflow has closed: its status and the fate of its proposal; undefined when it has no row. */
export async function readTriageFate(pool: pg.Pool, id: string): Promise<Pick<StoredTriage, 'status' | 'approval'> | undefined> {
  const { rows } = await pool.query<Pick<StoredTriage, 'status' | 'approval'>>('SELECT status, approval FROM triage_runs WHERE id = $1', [id]);
  return rows[0];
}
