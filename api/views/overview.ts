// Everything the dashboard shows at once: the watched services, the reconciled
// apps, the latest triages and remediation actions. Each section is read on its
// own; one that cannot be read is empty and named in `problems`, so a Temporal
// outage still shows what PostgreSQL knows and the other way round.
import Type, { type Static } from 'typebox';
import { isDatabaseUnavailable } from '../../lib/adapters/db/errors';
import { executionUrl } from '../../lib/core/ui-links';
import type { ApiDeps } from '../deps';
import { ActionRecord, listActions } from './actions';
import { DriftAppSummary, listDriftApps } from './drift';
import { listServices, ServiceSummary } from './services';
import { listTriages, TriageSummary } from './triage';

const { gate: _gate, budget: _budget, ...triageFields } = TriageSummary.properties;
const OverviewTriage = Type.Object({ ...triageFields, temporalUiUrl: Type.Optional(Type.String()) });
const OverviewAction = Type.Pick(ActionRecord, ['service', 'step', 'type', 'status', 'decidedBy', 'reason', 'startedAt', 'durationMs']);

export const Overview = Type.Object({
  generatedAt: Type.String({ format: 'date-time' }),
  services: Type.Array(ServiceSummary),
  drift: Type.Array(DriftAppSummary),
  triages: Type.Array(OverviewTriage, { description: 'The latest triages, newest first' }),
  actions: Type.Array(OverviewAction, { description: 'The latest remediation actions, newest first' }),
  problems: Type.Array(Type.String(), { description: 'Sources that could not be read; their sections are empty' }),
});
export type Overview = Static<typeof Overview>;

export async function buildOverview(deps: ApiDeps, latest = 20): Promise<Overview> {
  const { client, namespace, uiUrl } = deps.temporal;
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
  const withDeadline = <T>(call: () => Promise<T>) => client.withDeadline(Date.now() + deps.config.temporal.rpcTimeoutMs, call);
  const [services, drift, triages, actions] = await Promise.all([
    read('services', () => withDeadline(() => listServices(deps))),
    read('drift', () => listDriftApps(deps, withDeadline)),
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
