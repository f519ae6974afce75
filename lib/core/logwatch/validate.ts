// Checking a log watch spec before anything reads a file, and filling in its
// defaults. A bad regex is a problem naming the pattern, never an exception.
import type { LogPattern, LogWatchSpec } from './types';

export const DEFAULTS = {
  maxBytesPerScan: 1024 * 1024,
  maxLineBytes: 64 * 1024,
  maxEvidenceLines: 20,
  maxEvidenceChars: 500,
  rotatedNames: ['.1'],
  startAt: 'end',
} as const;

export type ResolvedLogWatch = Required<LogWatchSpec>;

export interface CompiledPattern {
  name: string;
  regex: RegExp;
}

/** Flags of a pattern without `g`/`y`, which would make `RegExp.test` remember its last position. */
function statelessFlags(pattern: LogPattern): string {
  return (pattern.flags ?? '').replace(/[gy]/g, '');
}

function compile(pattern: LogPattern): RegExp {
  return new RegExp(pattern.regex, statelessFlags(pattern));
}

const isPositiveInt = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;

/** What is wrong with `spec`, one line per problem, each naming the field; empty when it is fine. */
export function validateLogWatch(spec: LogWatchSpec): string[] {
  const problems: string[] = [];
  if (typeof spec.path !== 'string' || !spec.path) problems.push('path: must be a non-empty string');
  if (!Array.isArray(spec.patterns) || !spec.patterns.length) {
    problems.push('patterns: must list at least one pattern');
  } else {
    const seen = new Set<string>();
    spec.patterns.forEach((pattern, index) => {
      const where = `patterns[${index}]`;
      if (typeof pattern?.name !== 'string' || !pattern.name) return void problems.push(`${where}.name: must be a non-empty string`);
      if (seen.has(pattern.name)) problems.push(`${where}.name: duplicate pattern name ${JSON.stringify(pattern.name)}`);
      seen.add(pattern.name);
      if (typeof pattern.regex !== 'string') return void problems.push(`${where} (${pattern.name}).regex: must be a string`);
      try {
        compile(pattern);
      } catch (error) {
        problems.push(`${where} (${pattern.name}).regex: invalid regular expression: ${(error as Error).message}`);
      }
    });
  }
  if (!isPositiveInt(spec.threshold?.count)) problems.push('threshold.count: must be a positive integer');
  if (!isPositiveInt(spec.threshold?.withinMs)) problems.push('threshold.withinMs: must be a positive integer (milliseconds)');
  for (const field of ['maxBytesPerScan', 'maxLineBytes', 'maxEvidenceLines', 'maxEvidenceChars'] as const) {
    if (spec[field] !== undefined && !isPositiveInt(spec[field])) problems.push(`${field}: must be a positive integer`);
  }
  const maxLine = spec.maxLineBytes ?? DEFAULTS.maxLineBytes;
  const maxScan = spec.maxBytesPerScan ?? DEFAULTS.maxBytesPerScan;
  // A scan must always be able to take in a whole line, or an unfinished one could stall the cursor.
  if (isPositiveInt(maxLine) && isPositiveInt(maxScan) && maxLine > maxScan) {
    problems.push(`maxLineBytes: must not exceed maxBytesPerScan (${maxLine} > ${maxScan})`);
  }
  if (spec.rotatedNames !== undefined) {
    if (!Array.isArray(spec.rotatedNames) || spec.rotatedNames.some((suffix) => typeof suffix !== 'string' || !suffix)) {
      problems.push('rotatedNames: must be a list of non-empty suffixes, e.g. [".1"]');
    }
  }
  if (spec.startAt !== undefined && spec.startAt !== 'start' && spec.startAt !== 'end') problems.push('startAt: must be "start" or "end"');
  return problems;
}

/** `spec` with defaults filled in; call only on a spec without problems. */
export function resolveLogWatch(spec: LogWatchSpec): ResolvedLogWatch {
  return {
    ...spec,
    maxBytesPerScan: spec.maxBytesPerScan ?? DEFAULTS.maxBytesPerScan,
    maxLineBytes: spec.maxLineBytes ?? DEFAULTS.maxLineBytes,
    maxEvidenceLines: spec.maxEvidenceLines ?? DEFAULTS.maxEvidenceLines,
    maxEvidenceChars: spec.maxEvidenceChars ?? DEFAULTS.maxEvidenceChars,
    rotatedNames: spec.rotatedNames ?? [...DEFAULTS.rotatedNames],
    startAt: spec.startAt ?? DEFAULTS.startAt,
  };
}

/** The spec's patterns compiled (once per scan); call only on a spec without problems. */
export function compilePatterns(spec: LogWatchSpec): CompiledPattern[] {
  return spec.patterns.map((pattern) => ({ name: pattern.name, regex: compile(pattern) }));
}
