// Durations in YAML: "500ms", "10s", "5m", "1h", "1d", or a number of milliseconds.
import Type from 'typebox';
import { DURATION_PATTERN, type DurationValue } from '../duration';

export { toMs, type DurationValue } from '../duration';

export const Duration = (fallback?: string) =>
  Type.Unsafe<DurationValue>({
    anyOf: [
      { type: 'integer', minimum: 0 },
      { type: 'string', pattern: DURATION_PATTERN },
    ],
    'x-expected': 'a duration such as 500ms, 10s, 5m, 1h or a number of milliseconds',
    ...(fallback === undefined ? {} : { default: fallback }),
  });
