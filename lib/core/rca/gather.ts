// What the ranked investigator reads, and how raw answers become its input.
// The PromQL is written against the conventional metric names (the demo shop's,
// and most HTTP services' with a Prometheus client): one range query per signal
// for every service at once (`by (service)`). Turning Prometheus matrices, log
// lines and Vigil's own rows into an RcaInput is pure; the queries themselves run
// in activities/rank-suspects.ts.
import type { Change, LogLine, RcaAlert, RcaInput, ServiceSignals, SignalName } from './types';

/** The rate window of the queries below, in seconds: the ranking must know it (a rate smooths a spike over it). */
export const RATE_WINDOW_S = 60;

/** Per signal, a range query whose series carry a `service` label. `restarts` is derived from process start times. */
export const SIGNAL_QUERIES: Record<Exclude<SignalName, 'restarts'> | 'start_time', string> = {
  // `or … * 0`: before the first 5xx there is no such series, and a ratio with no baseline says nothing.
  error_ratio: '(sum by (service) (rate(http_requests_total{code=~"5.."}[1m])) or sum by (service) (rate(http_requests_total[1m])) * 0) / sum by (service) (rate(http_requests_total[1m]))',
  latency_p95: 'histogram_quantile(0.95, sum by (service, le) (rate(http_request_duration_seconds_bucket[1m])))',
  request_rate: 'sum by (service) (rate(http_requests_total[1m]))',
  cpu: 'sum by (service) (rate(process_cpu_seconds_total[1m]))',
  memory: 'sum by (service) (process_resident_memory_bytes)',
  heap: 'sum by (service) (process_heap_bytes)',
  in_flight: 'sum by (service) (http_requests_in_flight)',
  pool_use: 'max by (service) (db_pool_connections_in_use / db_pool_connections_max)',
  pool_waiting: 'max by (service) (db_pool_waiting)',
  up: 'min by (service) (up{service!=""})',
  start_time: 'max by (service) (process_start_time_seconds)',
};

/** The share of each service's calls to each callee that failed (5xx or no answer). */
export const CLIENT_ERRORS_QUERY =
  '(sum by (service, target) (rate(http_client_requests_total{code=~"5..|error"}[1m])) or sum by (service, target) (rate(http_client_requests_total[1m])) * 0) / sum by (service, target) (rate(http_client_requests_total[1m]))';

/** Alerts firing in the window, by service. */
export const ALERTS_QUERY = 'max by (service, alertname) (ALERTS{alertstate="firing", service!=""})';

/** A Prometheus range answer (`data.result` of /api/v1/query_range). */
export type Matrix = { metric: Record<string, string>; values: [number, string][] }[];

const points = (values: [number, string][]) => values.map(([t, v]) => [t, Number(v)] as const).filter(([, v]) => Number.isFinite(v));

/**
 * A running count of process starts from the process start time: each time it
 * moves forward the process restarted. A start time seen for the first time is
 * the baseline, not a restart.
 */
export function restartsFromStartTimes(values: [number, string][]): [number, number][] {
  const out: [number, number][] = [];
  let count = 0;
  let last: number | undefined;
  for (const [t, value] of points(values)) {
    if (last !== undefined && value > last + 0.5) count += 1;
    last = value;
    out.push([t, count]);
  }
  return out;
}

/** One service's signals from the answers to SIGNAL_QUERIES (by signal) and CLIENT_ERRORS_QUERY. */
export function servicesFromMatrices(byQuery: Partial<Record<keyof typeof SIGNAL_QUERIES, Matrix>>, clientErrors: Matrix, names: readonly string[]): ServiceSignals[] {
  const services = new Map<string, ServiceSignals>(names.map((name) => [name, { service: name, signals: {} }]));
  const of = (name: string) => services.get(name) ?? services.set(name, { service: name, signals: {} }).get(name)!;
  for (const [query, matrix] of Object.entries(byQuery) as [keyof typeof SIGNAL_QUERIES, Matrix][]) {
    for (const series of matrix ?? []) {
      const name = series.metric.service;
      if (!name) continue;
      if (query === 'start_time') of(name).signals.restarts = restartsFromStartTimes(series.values);
      else of(name).signals[query] = points(series.values);
    }
  }
  for (const series of clientErrors) {
    const { service: name, target } = series.metric;
    if (!name || !target) continue;
    (of(name).clientErrors ??= {})[target] = points(series.values);
  }
  return [...services.values()];
}

/** The variable parts of a log message (numbers, ids, quoted values) masked, so lines of one kind count together. */
export function logTemplate(message: string): string {
  return message
    .replace(/"[^"]*"|'[^']*'/g, '<s>')
    .replace(/\b[0-9a-f]{8,}\b/gi, '<id>')
    .replace(/\d+(\.\d+)?/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}

/** A JSON log line ({time, level, service, msg}) as the ranking counts it; undefined for anything else. */
export function logLineOf(text: string, fallbackService?: string): LogLine | undefined {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const at = typeof record.time === 'string' ? Date.parse(record.time) / 1000 : Number.NaN;
  const service = typeof record.service === 'string' ? record.service : fallbackService;
  const message = typeof record.msg === 'string' ? record.msg : typeof record.message === 'string' ? record.message : undefined;
  if (!Number.isFinite(at) || !service || !message) return undefined;
  const level = ['error', 'warn', 'info', 'debug'].includes(String(record.level)) ? (record.level as LogLine['level']) : undefined;
  return { service, at, template: logTemplate(message), ...(level ? { level } : {}) };
}

/** Firing alerts by service, at the first point each fired in the window. */
export function alertsFromMatrix(matrix: Matrix): NonNullable<RcaInput['alerts']> {
  return matrix
    .filter((series) => series.metric.service && series.values.length)
    .map((series) => ({ service: series.metric.service, name: series.metric.alertname ?? 'alert', at: series.values[0][0] }));
}

/** Rows of Vigil's own audit trail as changes: applied drift syncs, remediations, drift found by a check. */
export interface ChangeRow {
  service: string;
  at: Date;
  kind: Change['kind'];
  detail?: string;
}

export const changesFromRows = (rows: readonly ChangeRow[]): Change[] =>
  rows.map((row) => ({ service: row.service, at: row.at.getTime() / 1000, kind: row.kind, ...(row.detail ? { detail: row.detail.slice(0, 200) } : {}) }));

/** service → the services it calls, from the definitions' dependsOn. */
export function calleesOf(definitions: readonly { name: string; dependsOn?: readonly string[] }[]): Record<string, string[]> {
  return Object.fromEntries(definitions.map((definition) => [definition.name, [...(definition.dependsOn ?? [])]]));
}

/** The time the ranking looks around: the alert's start, else now (a manual question), in epoch seconds. */
export function timeOfInterest(alert: RcaAlert, nowMs: number, given?: number): number {
  if (given !== undefined && Number.isFinite(given)) return given;
  const startsAt = alert.startsAt ? Date.parse(alert.startsAt) : Number.NaN;
  return (Number.isFinite(startsAt) ? startsAt : nowMs) / 1000;
}
