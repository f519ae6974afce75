// The watched services as a list: each running health loop, found through
// Temporal's visibility, with the status its search attribute carries and the
// pause its memo carries.
import Type, { type Static } from 'typebox';
import { executionUrl } from '../../lib/core/ui-links';
import { SEARCH_ATTRIBUTES } from '../../workflows/messages';
import type { ApiDeps } from '../deps';

export const ServiceSummary = Type.Object({
  name: Type.String(),
  status: Type.String({ description: 'What the checks say: unknown, healthy, degraded or unhealthy' }),
  paused: Type.Optional(
    Type.Object({ reason: Type.String(), by: Type.Optional(Type.String()), until: Type.Optional(Type.String({ format: 'date-time' })) }, { description: 'Remediation is paused (checks go on)' }),
  ),
  workflowId: Type.String(),
  temporalUiUrl: Type.Optional(Type.String()),
});
export type ServiceSummary = Static<typeof ServiceSummary>;

/** Sorted by name. Throws what the Temporal client throws. */
export async function listServices(deps: ApiDeps): Promise<ServiceSummary[]> {
  const { client, namespace, taskQueues, uiUrl } = deps.temporal;
  const found: ServiceSummary[] = [];
  const query = `VigilKind = 'health' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueues.workflows}'`;
  for await (const execution of client.workflow.list({ query })) {
    const name = execution.typedSearchAttributes.get(SEARCH_ATTRIBUTES.service) ?? execution.workflowId.replace(/^health\//, '');
    const status = execution.typedSearchAttributes.get(SEARCH_ATTRIBUTES.status) ?? 'unknown';
    found.push({ name, status, paused: pauseOf(execution.memo?.paused), workflowId: execution.workflowId, temporalUiUrl: executionUrl(uiUrl, namespace, execution.workflowId) });
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
