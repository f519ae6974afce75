// Field-level diff of one desired document against the live object, as JSON
// pointers. Seen from the live object: `added` is a field live has and desired
// does not, `removed` a desired field live lacks, `changed` a different value.
// Fields matched by an ignore pattern (and everything under them) are left out.
// microdiff does the walk; this file turns its paths into pointers and filters.
import microdiff from 'microdiff';
import { compilePattern, coveredByPattern, toPointer, type PointerPattern, type Segment } from './pointer';

export type ChangeKind = 'added' | 'removed' | 'changed';

export interface FieldChange {
  kind: ChangeKind;
  /** JSON pointer of the field inside the object. */
  path: string;
  /** The desired value (absent for `added`). */
  desired?: unknown;
  /** The live value (absent for `removed`). */
  live?: unknown;
}

export interface CompiledIgnore {
  patterns: PointerPattern[];
}

export function compileIgnore(patterns: readonly string[]): CompiledIgnore {
  return { patterns: patterns.map(compilePattern) };
}

const isContainer = (value: unknown): value is Record<string, unknown> | unknown[] => typeof value === 'object' && value !== null;

/** The changes that make `live` differ from `desired`, sorted by path; [] when they agree outside ignored fields. */
export function diffObject(desired: unknown, live: unknown, ignore: CompiledIgnore = { patterns: [] }): FieldChange[] {
  const ignored = (path: readonly Segment[]) => ignore.patterns.some((pattern) => coveredByPattern(pattern, path));
  const changes: FieldChange[] = [];
  if (!isContainer(desired) || !isContainer(live) || Array.isArray(desired) !== Array.isArray(live)) {
    // Whole-document difference (a scalar, or an object against an array).
    if (!ignored([]) && !sameValue(desired, live)) changes.push({ kind: 'changed', path: '', desired, live });
    return changes;
  }
  for (const difference of microdiff(desired, live)) {
    if (ignored(difference.path)) continue;
    const path = toPointer(difference.path);
    if (difference.type === 'CREATE') changes.push({ kind: 'added', path, live: difference.value });
    else if (difference.type === 'REMOVE') changes.push({ kind: 'removed', path, desired: difference.oldValue });
    else changes.push({ kind: 'changed', path, desired: difference.oldValue, live: difference.value });
  }
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  return a === b;
}

export function countByKind(changes: readonly FieldChange[]): Record<ChangeKind, number> {
  const counts: Record<ChangeKind, number> = { added: 0, removed: 0, changed: 0 };
  for (const change of changes) counts[change.kind] += 1;
  return counts;
}
