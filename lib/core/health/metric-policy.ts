// Metric policies: rules over the metrics agents push, evaluated by the health
// loop. A condition reads like a Prometheus alerting rule:
//
//   avg(cpu_percent) > 90 for 3m
//   max(disk_used_percent{mount="/"}) >= 95
//
// Each evaluation aggregates the samples of the policy's window (default 1m);
// the condition must hold at every evaluation for the `for` duration before the
// policy fires, exactly like `for:` in Prometheus. No samples in the window
// means "no data": the condition does not hold.
// Pure and deterministic: workflow code and the config validator import it.

export const AGGREGATES = ['avg', 'min', 'max', 'sum', 'count', 'last'] as const;
export type Aggregate = (typeof AGGREGATES)[number];

const OPERATORS = ['>', '>=', '<', '<=', '==', '!='] as const;
export type Operator = (typeof OPERATORS)[number];

/** `avg(cpu_percent{mount="/"})`: what to read and how to reduce it to one number. */
export interface MetricSelector {
  aggregate: Aggregate;
  metric: string;
  labels: Record<string, string>;
}

export interface MetricCondition extends MetricSelector {
  op: Operator;
  threshold: number;
  forMs: number;
}

const SELECTOR = /^\s*([a-z]+)\s*\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{([^}]*)\})?\s*\)\s*/;
const COMPARISON = /^(>=|<=|==|!=|>|<)\s*(-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*(?:for\s+(\d+(?:\.\d+)?)(ms|s|m|h|d))?\s*$/i;
const LABEL = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*$/;
const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Parses `avg(name{label="value"})`, returning the rest of the text after it. */
function parseSelectorPrefix(text: string): Parsed<{ selector: MetricSelector; rest: string }> {
  const match = SELECTOR.exec(text);
  if (!match) return { ok: false, problem: 'expected <aggregate>(<metric>{label="value"})' };
  const [whole, aggregate, metric, labelText] = match;
  if (!(AGGREGATES as readonly string[]).includes(aggregate)) {
    return { ok: false, problem: `unknown aggregate "${aggregate}"; use one of ${AGGREGATES.join(', ')}` };
  }
  const labels: Record<string, string> = {};
  for (const part of (labelText ?? '').split(',').filter((item) => item.trim())) {
    const label = LABEL.exec(part);
    if (!label) return { ok: false, problem: `bad label matcher "${part.trim()}"; expected name="value"` };
    labels[label[1]] = label[2].replace(/\\(.)/g, '$1');
  }
  return { ok: true, value: { selector: { aggregate: aggregate as Aggregate, metric, labels }, rest: text.slice(whole.length) } };
}

export function parseMetricSelector(text: string): Parsed<MetricSelector> {
  const parsed = parseSelectorPrefix(text);
  if (!parsed.ok) return parsed;
  if (parsed.value.rest.trim()) return { ok: false, problem: `unexpected "${parsed.value.rest.trim()}" after the selector` };
  return { ok: true, value: parsed.value.selector };
}

export function parseMetricCondition(text: string): Parsed<MetricCondition> {
  const parsed = parseSelectorPrefix(text);
  if (!parsed.ok) return parsed;
  const comparison = COMPARISON.exec(parsed.value.rest);
  if (!comparison) return { ok: false, problem: `expected a comparison such as "> 90" or "> 90 for 3m" after the selector, got "${parsed.value.rest.trim()}"` };
  const [, op, threshold, forAmount, forUnit] = comparison;
  const forMs = forAmount === undefined ? 0 : Math.round(Number(forAmount) * UNITS[forUnit.toLowerCase()]);
  return { ok: true, value: { ...parsed.value.selector, op: op as Operator, threshold: Number(threshold), forMs } };
}

export const isMetricCondition = (text: string) => parseMetricCondition(text).ok;
export const isMetricSelector = (text: string) => parseMetricSelector(text).ok;

export function holds(value: number, op: Operator, threshold: number): boolean {
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}

export function describeSelector(selector: MetricSelector): string {
  const labels = Object.entries(selector.labels).map(([name, value]) => `${name}=${JSON.stringify(value)}`);
  return `${selector.aggregate}(${selector.metric}${labels.length ? `{${labels.join(',')}}` : ''})`;
}

/** What one evaluation of a `when` policy concluded; `pendingSince` is carried to the next. */
export interface PolicyJudgement {
  firing: boolean;
  pendingSince?: number;
  detail: string;
}

/**
 * Judges one evaluation: `value` is the window's aggregate (null when the window had no samples).
 * The condition must hold at every evaluation from `pendingSince` for `forMs` before it fires.
 */
export function judgeCondition(condition: MetricCondition, value: number | null, samples: number, now: number, pendingSince: number | undefined): PolicyJudgement {
  const expr = `${describeSelector(condition)} ${condition.op} ${condition.threshold}`;
  if (value === null) return { firing: false, detail: `no samples of ${condition.metric} in the window` };
  const shown = `${describeSelector(condition)} = ${round(value)} over ${samples} sample${samples === 1 ? '' : 's'}`;
  if (!holds(value, condition.op, condition.threshold)) return { firing: false, detail: `${shown}; ${expr} does not hold` };
  const since = pendingSince ?? now;
  if (now - since >= condition.forMs) {
    return { firing: true, pendingSince: since, detail: `${shown}; ${expr}${condition.forMs ? ` for ${formatMs(now - since)}` : ''}` };
  }
  return { firing: false, pendingSince: since, detail: `${shown}; ${expr} pending for ${formatMs(now - since)} of ${formatMs(condition.forMs)}` };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function formatMs(ms: number): string {
  if (ms % 60_000 === 0 && ms >= 60_000) return `${ms / 60_000}m`;
  if (ms >= 1_000) return `${round(ms / 1_000)}s`;
  return `${ms}ms`;
}
