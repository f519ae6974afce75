// createActivities(deps) builds every activity over the given pool, config and
// clients. Workflows proxy `Activities` (types only; the bundle never sees this code).
import type { ActivityDeps } from './deps';
import { createActionActivities } from './actions';
import { createDriftActivities } from './drift';
import { createHealthActivities } from './health';
import { createMetricPolicyActivities } from './metric-policies';
import { createNotifyActivities } from './notify';
import { createSelfCheckActivities } from './self-check';
import { createSupervisorActivities } from './supervisor';
import { createWatchActivities } from './watch';
import { createLlmActivities } from './llm';
import { createTriageActivities } from './triage';
import { createTriageToolActivities } from './triage-tools';

export type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createSelfCheckActivities(deps),
    ...createHealthActivities(deps),
    ...createMetricPolicyActivities(deps),
    ...createActionActivities(deps),
    ...createNotifyActivities(deps),
    ...createWatchActivities(deps),
    ...createDriftActivities(deps),
    ...createLlmActivities(deps),
    ...createTriageToolActivities(deps),
    ...createTriageActivities(deps),
    ...createSupervisorActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
