// The defined loops as the lists show them: every definition in the API's config
// directory (the one POST /config/apply reads; the workers' supervisor reads the
// same one), each marked with whether its loop runs. Read again at most every few
// seconds, so an edited file shows in the lists as soon as in an apply.
import { loadConfig } from '../../lib/adapters/config/load';
import { describeLoops, loopPresence, type LoopPresence } from '../../lib/client/supervise';
import { SUPERVISED_KINDS, type SupervisedKind } from '../../lib/core/supervisor';
import { workflowIds } from '../../workflows/messages';
import type { ApiDeps } from '../deps';

const FRESH_MS = 5_000;

type Names = Record<SupervisedKind, string[]>;
const cache = new WeakMap<ApiDeps, { at: number; names: Names }>();

/** The defined names by kind; undefined when the API was given no config directory (tests) or it cannot be read. */
export function definedNames(deps: ApiDeps): Names | undefined {
  if (!deps.configDir) return undefined;
  const cached = cache.get(deps);
  if (cached && Date.now() - cached.at < FRESH_MS) return cached.names;
  try {
    const { definitions } = loadConfig({ dir: deps.configDir });
    const names = { health: definitions.services.map((d) => d.name), drift: definitions.apps.map((d) => d.name) };
    cache.set(deps, { at: Date.now(), names });
    return names;
  } catch (error) {
    // A broken file must not take the lists down: they keep the last definitions read (or
    // show the running loops only), as an apply would refuse it. Tried again in FRESH_MS.
    deps.log.warn({ err: error }, 'cannot read the definitions; the lists keep the last ones read');
    if (cached) cache.set(deps, { at: Date.now(), names: cached.names });
    return cached?.names;
  }
}

/**
 * The defined loops of `kind` that the running list (`running`, workflow ids) does
 * not hold, with where each stands. Throws what the Temporal client throws.
 */
export async function notListed(deps: ApiDeps, kind: SupervisedKind, running: Set<string>): Promise<LoopPresence[]> {
  const names = definedNames(deps)?.[kind] ?? [];
  const absent = names.filter((name) => !running.has(workflowIds[kind](name)));
  return absent.length ? describeLoops(deps.temporal.client, kind, absent) : [];
}

/** vigil_loops_not_running: defined loops by kind whose workflow is not running. */
export async function countNotRunning(deps: ApiDeps): Promise<Record<string, number>> {
  const names = definedNames(deps);
  if (!names) return {};
  const prefix = deps.temporal.taskQueues.workflows.replace(/-workflows$/, '');
  const counts: Record<string, number> = {};
  for (const kind of SUPERVISED_KINDS) {
    counts[kind] = (await loopPresence(deps.temporal.client, prefix, kind, names[kind])).filter((loop) => loop.state !== 'running').length;
  }
  return counts;
}

/** A marker's fields, as the lists show them. */
export function marker(presence: LoopPresence): { loop: LoopPresence['state']; loopSince?: string } {
  return { loop: presence.state, ...(presence.since !== undefined ? { loopSince: new Date(presence.since).toISOString() } : {}) };
}
