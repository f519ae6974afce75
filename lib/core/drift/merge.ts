// What an apply writes: the desired state, except that fields matched by an
// ignore pattern keep their live value (replicas owned by an autoscaler stay as
// the autoscaler set them, even with a provider that replaces the whole object).
import type { CompiledIgnore } from './diff';
import { coveredByPattern, type Segment } from './pointer';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function desiredWithIgnoredFromLive(desired: unknown, live: unknown, ignore: CompiledIgnore): unknown {
  if (!ignore.patterns.length || live === undefined) return desired;
  return merge(desired, live, [], ignore);
}

function merge(desired: unknown, live: unknown, path: Segment[], ignore: CompiledIgnore): unknown {
  if (ignore.patterns.some((pattern) => coveredByPattern(pattern, path))) return live === undefined ? desired : live;
  if (isObject(desired) && isObject(live)) {
    const out: Record<string, unknown> = {};
    for (const key of new Set([...Object.keys(desired), ...Object.keys(live)])) {
      const value = merge(desired[key], live[key], [...path, key], ignore);
      if (value !== undefined) out[key] = value;
    }
    return out;
  }
  if (Array.isArray(desired) && Array.isArray(live)) {
    return desired.map((item, index) => merge(item, live[index], [...path, index], ignore));
  }
  // Only in live and not ignored: the desired state (absent) wins.
  if (desired === undefined) return undefined;
  return desired;
}
