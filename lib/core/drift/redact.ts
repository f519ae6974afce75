// Redaction of drift: sensitive fields never leave the provider in clear, not in
// PostgreSQL, logs, notifications, the API or workflow history. A field is
// sensitive when a configured pointer pattern covers it, or when any segment of
// its path has a secret-looking name (the one rule of lib/core/redact.ts).
import { isSecretName, REDACTED } from '../redact';
import type { FieldChange } from './diff';
import { compilePattern, coveredByPattern, parsePointer, type PointerPattern, type Segment } from './pointer';

export { REDACTED };

export interface CompiledSensitive {
  patterns: PointerPattern[];
}

export function compileSensitive(patterns: readonly string[]): CompiledSensitive {
  return { patterns: patterns.map(compilePattern) };
}

export function isSensitivePath(path: readonly Segment[], sensitive: CompiledSensitive): boolean {
  if (path.some((segment) => typeof segment === 'string' && isSecretName(segment))) return true;
  return sensitive.patterns.some((pattern) => coveredByPattern(pattern, path));
}

/** A deep copy of `value` (found at `path`) with every sensitive field replaced by REDACTED. */
export function redactValue(value: unknown, sensitive: CompiledSensitive, path: Segment[] = []): unknown {
  if (isSensitivePath(path, sensitive)) return REDACTED;
  if (Array.isArray(value)) return value.map((item, index) => redactValue(item, sensitive, [...path, index]));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactValue(item, sensitive, [...path, key])]));
  }
  return value;
}

/** The change with its values redacted: the path stays, secrets go (also inside nested values). */
export function redactChange(change: FieldChange, sensitive: CompiledSensitive): FieldChange {
  const path = parsePointer(change.path);
  const out: FieldChange = { kind: change.kind, path: change.path };
  if ('desired' in change) out.desired = redactValue(change.desired, sensitive, path);
  if ('live' in change) out.live = redactValue(change.live, sensitive, path);
  return out;
}
