// Durations as text: "500ms", "10s", "5m", "1h", "1d", or a number of milliseconds.
// Apart from the config schema's Duration (lib/core/config/duration.ts) so that
// the CLI and the demo can read one without loading the schema builder.
const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The text form, for the schema's pattern. */
export const DURATION_PATTERN = '^\\d+(\\.\\d+)?(ms|s|m|h|d)$';

export type DurationValue = number | string;

/** "10s" → 10000. Validation has already refused anything else. */
export function toMs(value: DurationValue): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value);
  if (!match) throw new Error(`not a duration: ${value}`);
  return Math.round(Number(match[1]) * UNITS[match[2]]);
}
