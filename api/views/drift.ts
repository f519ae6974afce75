// The reconciled apps as a list: each running drift loop from Temporal's
// visibility (status) and each defined app whose loop is not running (marked), joined with the app's last check in PostgreSQL. And an
// app's stored diff and history (PostgreSQL).
import type pg from 'pg';
import { executionUrl } from '../../lib/core/ui-links';
import { SEARCH_ATTRIBUTES } from '../../workflows/messages';
import type { ApiDeps } from '../deps';
import { marker, notListed } from './loops';
import type { DriftAppSummary, DriftDiff, DriftHistory } from '../schemas/drift';

/** Sorted by app name. Throws what the Temporal client throws; a PostgreSQL failure throws too. */
export async function listDriftApps(deps: ApiDeps, readLoops: <T>(call: () => Promise<T>) => Promise<T> = (call) => call()): Promise<DriftAppSummary[]> {
  const { client, namespace, taskQueues, uiUrl } = deps.temporal;
  const loops = await readLoops(async () => {
    const found: ({ app: string; status: string; workflowId: string } & ReturnType<typeof marker>)[] = [];
    const query = `VigilKind = 'drift' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueues.workflows}'`;
    for await (const execution of client.workflow.list({ query })) {
      const app = execution.typedSearchAttributes.get(SEARCH_ATTRIBUTES.app) ?? execution.workflowId.replace(/^drift\//, '');
      found.push({ app, status: execution.typedSearchAttributes.get(SEARCH_ATTRIBUTES.status) ?? 'unknown', loop: 'running', workflowId: execution.workflowId });
    }
    // Defined apps whose loop is not running are listed too, marked.
    for (const absent of await notListed(deps, 'drift', new Set(found.map((loop) => loop.workflowId)))) {
      found.push({ app: absent.name, status: 'unknown', ...marker(absent), workflowId: absent.workflowId });
    }
    return found;
  });
  const { rows } = await deps.pool.query<{ app: string; mode: string; revision: string | null; checked_at: Date; fields: number }>(
    'SELECT app, mode, revision, checked_at, fields FROM drift_state WHERE app = ANY($1)',
    [loops.map((loop) => loop.app)],
  );
  const stored = new Map(rows.map((row) => [row.app, row]));
  return loops
    .map((loop) => {
      const row = stored.get(loop.app);
      return {
        ...loop,
        ...(row ? { mode: row.mode, revision: row.revision ?? undefined, lastCheck: row.checked_at.toISOString(), fields: row.fields } : {}),
        temporalUiUrl: executionUrl(uiUrl, namespace, loop.workflowId),
      };
    })
    .sort((a, b) => a.app.localeCompare(b.app));
}

/** The redacted diff of the app's last check; null before its first. */
export async function readDriftDiff(pool: pg.Pool, app: string): Promise<DriftDiff | null> {
  const { rows } = await pool.query<Omit<DriftDiff, 'checkedAt' | 'error'> & { checked_at: Date; error: string }>(
    'SELECT checked_at, revision, status, objects, drifted, fields, error FROM drift_state WHERE app = $1',
    [app],
  );
  const row = rows[0];
  if (!row) return null;
  return { checkedAt: row.checked_at.toISOString(), revision: row.revision, status: row.status, objects: row.objects, fields: row.fields, error: row.error || undefined, drifted: row.drifted };
}

type Dated<T extends { at: string }> = Omit<T, 'at'> & { at: Date };

/** Syncs and drift events, newest first, at most `limit` of each. */
export async function readDriftHistory(pool: pg.Pool, app: string, limit: number): Promise<DriftHistory> {
  const [syncs, events] = await Promise.all([
    pool.query<Dated<Omit<DriftHistory['syncs'][number], 'finishedAt'>> & { finishedAt: Date | null }>(
      `SELECT started_at AS at, finished_at AS "finishedAt", revision, kind, trigger, decided_by AS by, status AS outcome, objects, changes, detail, idempotency_key AS key
         FROM drift_syncs WHERE app = $1 ORDER BY started_at DESC LIMIT $2`,
      [app, limit],
    ),
    pool.query<Dated<DriftHistory['events'][number]>>(`SELECT at, revision, status, fields, changes, error FROM drift_events WHERE app = $1 ORDER BY at DESC LIMIT $2`, [app, limit]),
  ]);
  return {
    syncs: syncs.rows.map((row) => ({ ...row, at: row.at.toISOString(), finishedAt: row.finishedAt?.toISOString() ?? null })),
    events: events.rows.map((row) => ({ ...row, at: row.at.toISOString() })),
  };
}
