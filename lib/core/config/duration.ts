// Durations in YAML: "500ms", "10s", "5m", "1h", "1d", or a number of milliseconds.
import Type from 'typebox';

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = '^\\d+(\\.\\d+)?(ms|s|m|h|d)$';

export type DurationValue = number | string;

export const Duration = (fallback?: string) =>
  Type.Unsafe<DurationValue>({
    anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: PATTERN }],
    'x-expected': 'a duration such as 500ms, 10s, 5m, 1h or a number of milliseconds',
    ...(fallback === undefined ? {} : { default: fallback }),
  });

/** "10s" → 10000. Validation has already refused anything else. */
export function toMs(value: DurationValue): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value);
  if (!match) throw new Error(`not a duration: ${value}`);
  return Math.round(Number(match[1]) * UNITS[match[2]]);
}
