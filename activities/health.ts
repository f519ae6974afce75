// Health activities: run a service's due checks (and store every result), and
// record a change of status. Both are upserts keyed by (service, round), so a
// retried activity writes the same rows again, never a second set. Probing
// never depends on PostgreSQL: a round whose store fails still returns its
// outcomes (stored: false), and the loop stores them later (storeCheckRounds).
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { runCheck } from '../lib/adapters/checks';
import type { CheckSpec } from '../lib/core/checks/types';
import type { HealthStatus } from '../lib/core/health/state';
import type { CheckOutcome, UnstoredRound } from '../lib/core/health/storage';
import { scanLog } from '../lib/adapters/logwatch';
import type { LogCursor, LogWatchSpec } from '../lib/core/logwatch/types';
import { healthStatusQuery, workflowIds } from '../workflows/messages';
import type { ActivityDeps } from './deps';

export interface ChecksInput {
  service: string;
  round: number;
  /** Workflow time of the round, epoch ms: the stored time of every result. */
  at: number;
  checks: { name: string; spec: CheckSpec }[];
}

export type { CheckOutcome };

/** A round's outcomes, and whether they are in PostgreSQL (false: the loop keeps them until it can store them). */
export interface ChecksResult {
  outcomes: CheckOutcome[];
  stored: boolean;
}

/**
 * How long a round's store may take before the round counts as unstored. Short: the
 * probes' own activity must finish in time, and an unstored round loses nothing.
 */
const STORE_TIMEOUT_MS = 2_000;

const DETAIL_IN_HISTORY = 200;

export interface LogOutcome {
  name: string;
  cursor: LogCursor;
  over: boolean;
  detail: string;
  /** The last matched lines, bounded: the evidence for a failure. */
  evidence: string[];
}

const UPSERT_RESULTS = `INSERT INTO check_results (service, round, check_name, checked_at, up, latency_ms, attempts, detail)
     SELECT $1, r.round, r.name, to_timestamp(r.at / 1000.0), r.up, r.latency_ms, r.attempts, r.detail
       FROM jsonb_to_recordset($2::jsonb) AS r(round bigint, at double precision, name text, up boolean, latency_ms double precision, attempts integer, detail text)
     ON CONFLICT (service, round, check_name) DO UPDATE
       SET up = EXCLUDED.up, latency_ms = EXCLUDED.latency_ms, attempts = EXCLUDED.attempts, detail = EXCLUDED.detail`;

type ResultRow = { round: number; at: number; name: string; up: boolean; latency_ms: number; attempts: number; detail: string };

/** Upserts result rows by (service, round, check); gives up after `timeoutMs` (the query may still finish: it is an upsert). */
async function storeRows(pool: ActivityDeps['pool'], service: string, rows: ResultRow[], timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`storing check results took over ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([pool.query(UPSERT_RESULTS, [service, JSON.stringify(rows)]), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs the checks of one round at once, counts them in the metrics, and stores every
 * result (upsert by round). A store that fails (PostgreSQL away) does not fail the round:
 * the outcomes come back with stored: false.
 */
export async function probeAndStore({ pool, metrics, log }: Pick<ActivityDeps, 'pool' | 'metrics'> & { log?: ActivityDeps['log'] }, input: ChecksInput, signal: AbortSignal): Promise<ChecksResult> {
  const results = await Promise.all(input.checks.map(async ({ name, spec }) => ({ name, ...(await runCheck(spec, { signal })) })));
  // Cancelled (the worker stops, the loop moves on): the probes were cut short, so
  // their "down" says nothing about the service and must not be stored as a round.
  if (signal.aborted) throw signal.reason;
  for (const result of results) {
    metrics?.checks.inc({ service: input.service, check: result.name, result: result.up ? 'up' : 'down' });
    metrics?.checkLatency.observe({ service: input.service, check: result.name }, result.latencyMs / 1000);
  }
  const rows = results.map((result) => ({
    round: input.round,
    at: input.at,
    name: result.name,
    up: result.up,
    latency_ms: result.latencyMs,
    attempts: result.attempts,
    detail: result.output ? `${result.detail}\n${result.output}` : result.detail,
  }));
  let stored = true;
  try {
    await storeRows(pool, input.service, rows, STORE_TIMEOUT_MS);
  } catch (error) {
    stored = false;
    log?.warn({ service: input.service, round: input.round, error: String(error) }, 'check results not stored; the loop keeps them');
  }
  const outcomes = results.map((result) => ({
    name: result.name,
    up: result.up,
    latencyMs: Math.round(result.latencyMs * 10) / 10,
    attempts: result.attempts,
    detail: result.detail.slice(0, DETAIL_IN_HISTORY),
  }));
  return { outcomes, stored };
}

/** How long a dependency's loop may take to answer before its stored status is used. */
const DEPENDENCY_QUERY_MS = 3_000;

async function liveStatus(client: Client | undefined, service: string): Promise<HealthStatus | undefined> {
  if (!client) return undefined;
  try {
    return (await client.withDeadline(Date.now() + DEPENDENCY_QUERY_MS, () => client.workflow.getHandle(workflowIds.health(service)).query(healthStatusQuery))).status;
  } catch {
    return undefined;
  }
}

async function storedStatuses(pool: ActivityDeps['pool'], services: string[]): Promise<Record<string, HealthStatus>> {
  const { rows } = await pool.query<{ service: string; to_status: HealthStatus }>(
    `SELECT DISTINCT ON (service) service, to_status FROM health_transitions
      WHERE service = ANY($1) ORDER BY service, at DESC, round DESC`,
    [services],
  );
  return Object.fromEntries(rows.map((row) => [row.service, row.to_status]));
}

export function createHealthActivities({ temporal, pool, metrics, config, log }: ActivityDeps) {
  return {
    async runChecks(input: ChecksInput): Promise<ChecksResult> {
      return probeAndStore({ pool, metrics, log }, input, Context.current().cancellationSignal);
    },

    /** Stores rounds that could not be stored when they ran (PostgreSQL was away): the same upsert, so a retry is harmless. */
    async storeCheckRounds(input: { service: string; rounds: UnstoredRound[] }): Promise<number> {
      const rows = input.rounds.flatMap(({ round, at, results }) =>
        results.map((result) => ({ round, at, name: result.name, up: result.up, latency_ms: result.latencyMs, attempts: result.attempts, detail: result.detail })),
      );
      await storeRows(pool, input.service, rows, 30_000);
      return rows.length;
    },

    /** Scans each due log watch from its cursor; returns the new cursors and whether each is over threshold. */
    async scanLogs(input: { service: string; at: number; watches: { name: string; spec: LogWatchSpec; cursor: LogCursor | null }[] }): Promise<LogOutcome[]> {
      return Promise.all(
        input.watches.map(async ({ name, spec, cursor }) => {
          const scan = await scanLog(spec, cursor, input.at);
          const matches = Object.entries(scan.counts)
            .filter(([, count]) => count > 0)
            .map(([pattern, count]) => `${pattern}: ${count}`);
          const detail =
            scan.status !== 'ok'
              ? `${scan.status}${scan.detail ? `: ${scan.detail}` : ''}${scan.problems ? `: ${scan.problems.join('; ')}` : ''}`
              : `${matches.join(', ') || 'no matches'} within ${spec.threshold.withinMs / 1000} s${scan.over && scan.evidence.length ? ` — ${scan.evidence.at(-1)}` : ''}`;
          return { name, cursor: scan.cursor, over: scan.over || scan.status === 'invalid', detail: detail.slice(0, 300), evidence: scan.evidence.slice(-5) };
        }),
      );
    },

    /** Deletes this service's stored history older than the configured retention; returns the rows removed. */
    async pruneHistory(input: { service: string }): Promise<number> {
      const { checkResultsDays, transitionsDays, actionsDays, metricsDays } = config.retention;
      const removed = await Promise.all([
        pool.query(`DELETE FROM check_results WHERE service = $1 AND checked_at < now() - make_interval(days => $2)`, [input.service, checkResultsDays]),
        pool.query(`DELETE FROM health_transitions WHERE service = $1 AND at < now() - make_interval(days => $2)`, [input.service, transitionsDays]),
        pool.query(`DELETE FROM remediation_actions WHERE service = $1 AND started_at < now() - make_interval(days => $2) AND status <> 'running'`, [input.service, actionsDays]),
        pool.query(`DELETE FROM metric_samples WHERE service = $1 AND ts < now() - make_interval(days => $2)`, [input.service, metricsDays]),
      ]);
      return removed.reduce((sum, result) => sum + (result.rowCount ?? 0), 0);
    },

    /**
     * The live status of each named service: its own loop's answer to the status query,
     * which holds from the moment that loop judged a round (a transition row is written
     * beside the remediation, so it can come after a dependent has acted). A loop that
     * does not answer in time (not running, being replayed, Temporal away) is taken from
     * its last stored transition; 'unknown' when neither says. Never fails: the dependent
     * decides with what there is (decide.ts, dependencyHold).
     */
    async dependencyStatuses(input: { services: string[] }): Promise<Record<string, HealthStatus>> {
      const live = await Promise.all(input.services.map((name) => liveStatus(temporal?.client, name)));
      const missing = input.services.filter((_, index) => live[index] === undefined);
      const stored = missing.length ? await storedStatuses(pool, missing).catch((): Record<string, HealthStatus> => ({})) : {};
      return Object.fromEntries(input.services.map((name, index) => [name, live[index] ?? stored[name] ?? 'unknown']));
    },

    async recordTransition(input: { service: string; round: number; from: HealthStatus; to: HealthStatus; at: number; reason: string }): Promise<void> {
      await pool.query(
        `INSERT INTO health_transitions (service, round, from_status, to_status, at, reason)
         VALUES ($1, $2, $3, $4, to_timestamp($5 / 1000.0), $6)
         ON CONFLICT (service, round) DO NOTHING`,
        [input.service, input.round, input.from, input.to, input.at, input.reason.slice(0, 1000)],
      );
    },
  };
}
