// The watched services as a list: each running health loop, found through
// Temporal's visibility, with the status its search attribute carries and the
// pause its memo carries, and each defined service whose loop is not running. And a service's stored history (PostgreSQL).
import type pg from 'pg';
import { executionUrl } from '../../lib/core/ui-links';
import { SEARCH_ATTRIBUTES } from '../../workflows/messages';
import type { ApiDeps } from '../deps';
import { marker, notListed } from './loops';
import type { ServiceHistory, ServiceSummary } from '../schemas/services';

/**
 * Sorted by name: every running loop, and every defined service whose loop is not
 * running, marked (loop: missing, failed, terminated …, since when) with status
 * unknown. Throws what the Temporal client throws.
 */
export async function listServices(deps: ApiDeps): Promise<ServiceSummary[]> {
  const { client, namespace, taskQueues, uiUrl } = deps.temporal;
  const found: ServiceSummary[] = [];
  const query = `VigilKind = 'health' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueues.workflows}'`;
  for await (const execution of client.workflow.list({ query })) {
    const name = execution.typedSearchAttributes.get(SEARCH_ATTRIBUTES.service) ?? execution.workflowId.replace(/^health\//, '');
    const status = execution.typedSearchAttributes.get(SEARCH_ATTRIBUTES.status) ?? 'unknown';
    found.push({ name, status, paused: pauseOf(execution.memo?.paused), loop: 'running', workflowId: execution.workflowId, temporalUiUrl: executionUrl(uiUrl, namespace, execution.workflowId) });
  }
  for (const absent of await notListed(deps, 'health', new Set(found.map((service) => service.workflowId)))) {
    found.push({ name: absent.name, status: 'unknown', ...marker(absent), workflowId: absent.workflowId, temporalUiUrl: executionUrl(uiUrl, namespace, absent.workflowId) });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/** The loop's memo `paused` ({reason, by?, until?: epoch ms}), as the API shows it. */
function pauseOf(memo: unknown): ServiceSummary['paused'] {
  if (!memo || typeof memo !== 'object') return undefined;
  const { reason, by, until } = memo as { reason?: unknown; by?: unknown; until?: unknown };
  if (typeof reason !== 'string') return undefined;
  return { reason, ...(typeof by === 'string' ? { by } : {}), ...(typeof until === 'number' ? { until: new Date(until).toISOString() } : {}) };
}

type Stored<T extends { round: number; at: string }> = Omit<T, 'round' | 'at'> & { round: string; at: Date };

/** Status transitions and check results, newest first, at most `limit` of each. */
export async function readServiceHistory(pool: pg.Pool, service: string, limit: number): Promise<ServiceHistory> {
  const [transitions, checks] = await Promise.all([
    pool.query<Stored<ServiceHistory['transitions'][number]>>(
      `SELECT round, from_status AS "from", to_status AS "to", at, reason FROM health_transitions WHERE service = $1 ORDER BY at DESC, round DESC LIMIT $2`,
      [service, limit],
    ),
    pool.query<Stored<ServiceHistory['checks'][number]>>(
      `SELECT round, check_name AS "check", checked_at AS at, up, latency_ms AS "latencyMs", attempts, detail FROM check_results WHERE service = $1 ORDER BY checked_at DESC, check_name LIMIT $2`,
      [service, limit],
    ),
  ]);
  // round is a bigint column, which pg hands over as text.
  const shown = <T extends { round: string; at: Date }>(row: T) => ({ ...row, round: Number(row.round), at: row.at.toISOString() });
  return { transitions: transitions.rows.map(shown), checks: checks.rows.map(shown) };
}
