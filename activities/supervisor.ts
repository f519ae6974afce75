// The supervisor's reconcile: every defined health and drift loop that is not
// running (missing, failed, timed out, terminated by hand) is started again, with
// its carried state where its last run had one. Loops whose definition is gone
// are left to apply, which terminates them; a running loop is never touched
// (reconfiguring is apply's too), so a reconcile with nothing wrong costs one
// visibility query per kind and sends nothing to any loop.
import type { Definition } from '../lib/core/config/definitions';
import { RECENT_LIMIT, SUPERVISED_KINDS, type LoopRestart, type LoopRestartFailure, type ReconcileReport, type SupervisedKind } from '../lib/core/supervisor';
import { loopPresence, restartLoop } from '../lib/client/supervise';
import type { ActivityDeps } from './deps';

const RESTART_CONCURRENCY = 8;
const DEFINITIONS_OF: Record<SupervisedKind, 'services' | 'apps'> = { health: 'services', drift: 'apps' };

export function createSupervisorActivities(deps: ActivityDeps) {
  return {
    async reconcileLoops(): Promise<ReconcileReport> {
      const at = Date.now();
      const intervalMs = deps.config.supervisor.intervalMs;
      const report: ReconcileReport = { at, defined: { health: 0, drift: 0 }, restarted: [], failed: [], intervalMs };
      if (!deps.temporal || !deps.definitions) return { ...report, skipped: 'this worker has no definitions or no Temporal client' };
      let definitions;
      try {
        definitions = deps.definitions();
      } catch (error) {
        // An unreadable vigil.yaml must not stop the other workers' reconciles: say it and wait.
        deps.log.error({ err: error }, 'supervisor: cannot read the definitions');
        return { ...report, skipped: `cannot read the definitions: ${(error as Error).message}` };
      }
      const prefix = deps.config.temporal.taskQueuePrefix;
      for (const kind of SUPERVISED_KINDS) {
        const defined: Definition[] = definitions[DEFINITIONS_OF[kind]];
        report.defined[kind] = defined.length;
        const byName = new Map(defined.map((definition) => [definition.name, definition]));
        const down = (await loopPresence(deps.temporal.client, prefix, kind, [...byName.keys()])).filter((presence) => presence.state !== 'running');
        // A few at a time: after a mass failure (an outage that ended hundreds of loops) the reconcile stays well inside its timeout.
        for (let i = 0; i < down.length; i += RESTART_CONCURRENCY) {
          await Promise.all(
            down.slice(i, i + RESTART_CONCURRENCY).map(async ({ name, state, since }) => {
              const was = state as LoopRestart['was'];
              try {
                const { carried } = await restartLoop(deps.temporal!.client, prefix, kind, byName.get(name)!);
                const restart: LoopRestart = { kind, name, was, ...(since !== undefined ? { since } : {}), carried, at: Date.now() };
                report.restarted.push(restart);
                deps.metrics?.loopsRestarted.inc({ kind });
                deps.log.warn({ ...restart }, `supervisor: restarted the ${kind} loop of ${name} (it was ${was})`);
              } catch (error) {
                const failure: LoopRestartFailure = { kind, name, was, error: (error as Error).message, at: Date.now() };
                report.failed.push(failure);
                deps.log.error({ ...failure }, `supervisor: could not restart the ${kind} loop of ${name}`);
              }
            }),
          );
        }
      }
      const counts = { restarted: report.restarted.length, failed: report.failed.length };
      return { ...report, restarted: report.restarted.slice(0, RECENT_LIMIT), failed: report.failed.slice(0, RECENT_LIMIT), counts };
    },
  };
}
