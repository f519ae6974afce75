// The reconciled apps as a list: each running drift loop from Temporal's
// visibility (status), joined with the app's last check in PostgreSQL.
import Type, { type Static } from 'typebox';
import { executionUrl } from '../../lib/core/ui-links';
import { SEARCH_ATTRIBUTES } from '../../workflows/messages';
import type { ApiDeps } from '../deps';

export const DriftAppSummary = Type.Object({
  app: Type.String(),
  mode: Type.Optional(Type.String()),
  status: Type.String({ description: 'unknown, in-sync, drifted, contested, error or paused' }),
  revision: Type.Optional(Type.String()),
  lastCheck: Type.Optional(Type.String({ format: 'date-time' })),
  fields: Type.Optional(Type.Integer()),
  workflowId: Type.String(),
  temporalUiUrl: Type.Optional(Type.String()),
});
export type DriftAppSummary = Static<typeof DriftAppSummary>;

/** Sorted by app name. Throws what the Temporal client throws; a PostgreSQL failure throws too. */
export async function listDriftApps(deps: ApiDeps, readLoops: <T>(call: () => Promise<T>) => Promise<T> = (call) => call()): Promise<DriftAppSummary[]> {
  const { client, namespace, taskQueues, uiUrl } = deps.temporal;
  const loops = await readLoops(async () => {
    const found: { app: string; status: string; workflowId: string }[] = [];
    const query = `VigilKind = 'drift' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueues.workflows}'`;
    for await (const execution of client.workflow.list({ query })) {
      const app = execution.typedSearchAttributes.get(SEARCH_ATTRIBUTES.app) ?? execution.workflowId.replace(/^drift\//, '');
      found.push({ app, status: execution.typedSearchAttributes.get(SEARCH_ATTRIBUTES.status) ?? 'unknown', workflowId: execution.workflowId });
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
