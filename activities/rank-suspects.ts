// The rank_suspects tool: gathers what the ranked investigator reads (every
// watched service's signals from Prometheus, Vigil's own changes and remediations
// from PostgreSQL, error log lines from the local log directory, the alerts that
// fired) around the time of interest, ranks the services (lib/core/rca) and
// answers with the ranking. Both the model and the offline investigator call it;
// its last line is the verdict as JSON, which the offline report reads.
import type pg from 'pg';
import { readLocalLogs } from '../lib/adapters/logs/local-reader';
import { parseLogQuery } from '../lib/core/logs/logql';
import {
  ALERTS_QUERY,
  alertsFromMatrix,
  calleesOf,
  changesFromRows,
  CLIENT_ERRORS_QUERY,
  countLogTemplates,
  describeRanking,
  logLineOf,
  RATE_WINDOW_S,
  rankSuspects,
  servicesFromMatrices,
  SIGNAL_QUERIES,
  timeOfInterest,
  verdictOf,
  type ChangeRow,
  type Matrix,
  type RcaInput,
  type RcaWindow,
} from '../lib/core/rca';
import type { Definitions } from '../lib/core/config/definitions';
import type { TriageAlert } from '../lib/core/triage/types';

/** Seconds before the time of interest (its first third is the reference) and after it. */
export const RANK_WINDOW: RcaWindow = { before: 900, after: 300 };
/** How long before its alert a fault's log lines begin: the shop's rules wait 30 s on one-minute rates. */
const LOG_LEAD_S = 60;
/** The shortest history the ranking is given before the time of interest, however young the data. */
const MIN_BEFORE_S = 60;
/** At most this many points a series: the step grows with the window. */
const MAX_POINTS = 250;

export interface RankSources {
  pool: pg.Pool;
  /** GET on Prometheus's HTTP API (the triage tools' own, with their timeout and errors). */
  prometheus(path: string, params: Record<string, string>, signal: AbortSignal): Promise<unknown>;
  definitions?: () => Pick<Definitions, 'services' | 'apps'>;
  logDir: string;
}

export interface RankRequest {
  alert: TriageAlert;
  /** Epoch seconds; default the alert's start (or now). */
  at?: number;
}

export async function gatherRcaInput(sources: RankSources, request: RankRequest, signal: AbortSignal, nowMs = Date.now()): Promise<RcaInput> {
  const at = timeOfInterest(request.alert, nowMs, request.at);
  const start = at - RANK_WINDOW.before;
  const end = Math.min(nowMs / 1000, at + RANK_WINDOW.after);
  const step = Math.max(5, Math.ceil((end - start) / MAX_POINTS));
  const range = async (query: string): Promise<Matrix> => {
    const answer = (await sources.prometheus('api/v1/query_range', { query, start: String(start), end: String(end), step: String(step) }, signal)) as { data?: { result?: Matrix } };
    return answer.data?.result ?? [];
  };
  const definitions = sources.definitions?.() ?? { services: [], apps: [] };
  const graph = definitions.services.map(({ name, spec }) => ({ name, dependsOn: (spec as { dependsOn?: string[] }).dependsOn }));
  const apps = definitions.apps.map(({ name, spec }) => ({ name, service: (spec as { service?: string }).service }));
  const names = graph.map((service) => service.name);
  const signalNames = Object.keys(SIGNAL_QUERIES) as (keyof typeof SIGNAL_QUERIES)[];
  const [matrices, clientErrors, alerts, changes, logs] = await Promise.all([
    Promise.all(signalNames.map((name) => range(SIGNAL_QUERIES[name]))),
    range(CLIENT_ERRORS_QUERY),
    range(ALERTS_QUERY).catch(() => [] as Matrix),
    changesAround(sources.pool, apps, start, end),
    errorLogLines(sources.logDir, start, end, signal),
  ]);
  const services = servicesFromMatrices(Object.fromEntries(signalNames.map((name, index) => [name, matrices[index]])), clientErrors, names);
  // A young Prometheus (a fresh `vigil up`) has less history than the window: the reference is the first third of what there is.
  const first = Math.min(...services.flatMap((service) => Object.values(service.signals).map((series) => series?.[0]?.[0] ?? Infinity)));
  const window = { ...RANK_WINDOW, before: Math.round(Math.min(RANK_WINDOW.before, Math.max(MIN_BEFORE_S, at - first))) };
  return {
    alert: { labels: request.alert.labels, startsAt: request.alert.startsAt },
    at,
    window,
    rateWindow: RATE_WINDOW_S,
    services,
    callees: calleesOf(graph),
    changes,
    logs: logCounts(logs, at, window, end),
    alerts: alertsFromMatrix(alerts),
  };
}

/** The tool's answer: the ranking a person (or model) reads, then the verdict as one JSON line. */
export async function rankSuspectsAnswer(sources: RankSources, request: RankRequest, signal: AbortSignal): Promise<string> {
  const input = await gatherRcaInput(sources, request, signal);
  const ranking = rankSuspects(input);
  const verdict = verdictOf(ranking);
  const lines = ranking.candidates.length ? describeRanking(ranking, 5) : ['no service moved in the window'];
  return [
    `suspects around ${new Date(input.at * 1000).toISOString()} (${input.services.length} services, ${input.window!.before} s before, ${input.window!.after} s after):`,
    ...lines,
    `root cause: ${verdict.rootCause}`,
    `verdict: ${JSON.stringify(verdict)}`,
  ].join('\n');
}

/**
 * Error templates counted around the fault, not the alert: an alert fires a rule's `for` and
 * a rate window after its onset, so the split is LOG_LEAD_S before `at`; and over the seconds
 * there are, not the whole window: a triage runs seconds after its alert.
 */
export function logCounts(lines: Parameters<typeof countLogTemplates>[0], at: number, window: RcaWindow, end: number) {
  const split = at - LOG_LEAD_S;
  const counted = { before: Math.max(1, window.before - LOG_LEAD_S), after: Math.max(1, end - split) };
  return countLogTemplates(lines, split, counted).map((count) => ({ ...count, beforeS: counted.before, afterS: counted.after }));
}

/** Vigil's own changes in the window: drift its checks found, syncs that applied, remediations it ran. */
async function changesAround(pool: pg.Pool, apps: readonly { name: string; service?: string }[], start: number, end: number): Promise<RcaInput['changes']> {
  const serviceOfApp = Object.fromEntries(apps.filter((app) => app.service).map((app) => [app.name, app.service!]));
  const window = [new Date(start * 1000), new Date(end * 1000)];
  const [drift, syncs, actions] = await Promise.all([
    pool.query<{ app: string; at: Date }>(`SELECT app, at FROM drift_events WHERE status = 'drifted' AND at BETWEEN $1 AND $2`, window),
    pool.query<{ app: string; at: Date; detail: string }>(`SELECT app, started_at AS at, detail FROM drift_syncs WHERE status = 'applied' AND started_at BETWEEN $1 AND $2`, window),
    // A notify step changes nothing in the world: only actions that do (exec, http) are changes.
    pool.query<{ service: string; at: Date; step: string }>(`SELECT service, started_at AS at, step FROM remediation_actions WHERE action_type <> 'notify' AND started_at BETWEEN $1 AND $2`, window),
  ]);
  const rows: ChangeRow[] = [
    ...drift.rows.filter((row) => serviceOfApp[row.app]).map((row) => ({ service: serviceOfApp[row.app], at: row.at, kind: 'drift' as const, detail: `drift found in ${row.app}` })),
    ...syncs.rows.filter((row) => serviceOfApp[row.app]).map((row) => ({ service: serviceOfApp[row.app], at: row.at, kind: 'drift-sync' as const, detail: row.detail })),
    ...actions.rows.map((row) => ({ service: row.service, at: row.at, kind: 'remediation' as const, detail: row.step })),
  ];
  return changesFromRows(rows);
}

/** Warn and error lines of the local log directory in the window (none without one). */
export async function errorLogLines(logDir: string, start: number, end: number, signal: AbortSignal) {
  if (!logDir) return [];
  const read = await readLocalLogs({ dir: logDir, query: parseLogQuery('{level=~"warn|error"}'), startMs: start * 1000, endMs: end * 1000, limit: 5000, signal }).catch(() => undefined);
  return (read?.entries ?? []).flatMap((entry) => logLineOf(entry.line, entry.labels.service) ?? []);
}
