// One reconcile pass's comparison: every desired document against what its
// provider read live, with the app's and the document's ignore patterns, and
// every value redacted before it leaves this function.
import { compileIgnore, diffObject, type FieldChange } from './diff';
import type { DesiredDocument } from './documents';
import { compileSensitive, redactChange } from './redact';

/** What a provider read for one target. */
export type LiveRead = { target: string; exists: true; state: unknown } | { target: string; exists: false } | { target: string; error: string };

export type ObjectStatus = 'in-sync' | 'drifted' | 'missing' | 'error';

export interface ObjectDrift {
  target: string;
  file: string;
  status: ObjectStatus;
  /** Redacted field changes (empty when in sync). */
  changes: FieldChange[];
  error?: string;
}

export interface Comparison {
  objects: ObjectDrift[];
  /** Targets that need an apply (drifted or missing). */
  drifted: string[];
  /** Changed fields over all objects. */
  fields: number;
  errors: string[];
}

export function compareDocuments(documents: readonly DesiredDocument[], live: readonly LiveRead[], options: { ignore: readonly string[]; sensitive: readonly string[] }): Comparison {
  const byTarget = new Map(live.map((read) => [read.target, read]));
  const sensitive = compileSensitive(options.sensitive);
  const appIgnore = compileIgnore(options.ignore);
  const objects = documents.map((document): ObjectDrift => {
    const read = byTarget.get(document.target);
    const base = { target: document.target, file: document.file };
    if (!read) return { ...base, status: 'error', changes: [], error: 'not read' };
    if ('error' in read) return { ...base, status: 'error', changes: [], error: read.error };
    if (!read.exists) return { ...base, status: 'missing', changes: [redactChange({ kind: 'removed', path: '', desired: document.state }, sensitive)] };
    const ignore = document.ignore.length ? { patterns: [...appIgnore.patterns, ...compileIgnore(document.ignore).patterns] } : appIgnore;
    const changes = diffObject(document.state, read.state, ignore).map((change) => redactChange(change, sensitive));
    return { ...base, status: changes.length ? 'drifted' : 'in-sync', changes };
  });
  return {
    objects,
    drifted: objects.filter((object) => object.status === 'drifted' || object.status === 'missing').map((object) => object.target),
    fields: objects.reduce((sum, object) => sum + object.changes.length, 0),
    errors: objects.filter((object) => object.status === 'error').map((object) => `${object.target}: ${object.error}`),
  };
}
