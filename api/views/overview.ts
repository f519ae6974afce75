// Everything the dashboard shows at once: the watched services, the reconciled
// apps, the latest triages and remediation actions. Each section is read on its
// own; one that cannot be read is empty and named in `problems`, so a Temporal
// outage still shows what PostgreSQL knows and the other way round.
import { isDatabaseUnavailable } from '../../lib/adapters/db/errors';
import { executionUrl } from '../../lib/core/ui-links';
import type { ApiDeps } from '../deps';
import { withRpcDeadline } from '../rpc';
import type { Overview } from '../schemas/overview';
import { listActions } from './actions';
import { listDriftApps } from './drift';
import { listServices } from './services';
import { listTriages } from './triage';

export async function buildOverview(deps: ApiDeps, latest = 20): Promise<Overview> {
  const { namespace, uiUrl } = deps.temporal;
  const problems: string[] = [];
  const read = async <T>(source: string, call: () => Promise<T[]>): Promise<T[]> => {
    try {
      return await call();
    } catch (error) {
      // Drift reads both: its loops from Temporal, their last checks from PostgreSQL.
      const dependency = isDatabaseUnavailable(error) || (source !== 'services' && source !== 'drift') ? 'postgres' : 'temporal';
      deps.metrics.dependencyErrors.inc({ dependency });
      problems.push(`${source}: ${(error as Error).message}`);
      return [];
    }
  };
  const [services, drift, triages, actions] = await Promise.all([
    read('services', () => withRpcDeadline(deps, () => listServices(deps))),
    read('drift', () => listDriftApps(deps, (call) => withRpcDeadline(deps, call))),
    read('triages', () => listTriages(deps.pool, { limit: latest })),
    read('actions', () => listActions(deps.pool, { limit: latest })),
  ]);
  return {
    generatedAt: new Date().toISOString(),
    services,
    drift,
    triages: triages.map(({ gate: _g, budget: _b, ...triage }) => ({ ...triage, temporalUiUrl: executionUrl(uiUrl, namespace, triage.workflowId) })),
    actions: actions.map(({ service, step, type, status, decidedBy, reason, startedAt, durationMs }) => ({ service, step, type, status, decidedBy, reason, startedAt, durationMs })),
    problems,
  };
}
