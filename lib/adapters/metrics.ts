// Prometheus metrics, one registry per process (no package-level globals), served
// on the ops listener. Each loop adds its own instruments to this object.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type pg from 'pg';
import type { Client } from '@temporalio/client';
import { DRIFT_STATUSES } from '../core/drift/types';

export type Dependency = 'temporal' | 'postgres';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vigil_' });
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'vigil_http_request_duration_seconds',
      help: 'API request duration by route template, method and status code.',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    dependencyErrors: new Counter({
      name: 'vigil_dependency_errors_total',
      help: 'Failed calls to Temporal or PostgreSQL made by the API (including readiness probes).',
      labelNames: ['dependency'] as const,
      registers: [registry],
    }),
    checks: new Counter({
      name: 'vigil_checks_total',
      help: 'Check runs by service, check and result (up or down).',
      labelNames: ['service', 'check', 'result'] as const,
      registers: [registry],
    }),
    checkLatency: new Histogram({
      name: 'vigil_check_latency_seconds',
      help: 'Latency of the last attempt of each check run.',
      labelNames: ['service', 'check'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    remediations: new Counter({
      name: 'vigil_remediations_total',
      help: 'Remediation actions by service, step, action type and outcome (succeeded, failed, in-doubt).',
      labelNames: ['service', 'step', 'type', 'outcome'] as const,
      registers: [registry],
    }),
    driftFields: new Gauge({
      name: 'vigil_drift_fields',
      help: 'Fields that differ from the desired state, per app, at its last check.',
      labelNames: ['app'] as const,
      registers: [registry],
    }),
    driftSyncs: new Counter({
      name: 'vigil_drift_syncs_total',
      help: 'Drift syncs by app and outcome (applied, in-sync, refused, failed).',
      labelNames: ['app', 'outcome'] as const,
      registers: [registry],
    }),
    // The supervisor.
    loopsRestarted: new Counter({
      name: 'vigil_loops_restarted_total',
      help: 'Health and drift loops the supervisor found not running (missing, failed, timed out, terminated) and started again, by kind.',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    // Alert triage.
    alertsTruncated: new Counter({
      name: 'vigil_alerts_truncated_total',
      help: 'Alerts Alertmanager left out of the webhook payloads Vigil received (truncatedAlerts, over its max_alerts): not triaged from those payloads.',
      registers: [registry],
    }),
    triages: new Counter({
      name: 'vigil_triages_total',
      help: 'Finished triages by outcome (completed, refused, skipped, cancelled, failed).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    triageDuration: new Histogram({
      name: 'vigil_triage_duration_seconds',
      help: 'Triage duration from start to report.',
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800],
      registers: [registry],
    }),
    triageTokens: new Counter({
      name: 'vigil_triage_tokens_total',
      help: 'Model tokens by kind (input, cacheCreation, cacheRead, output).',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    triageToolCalls: new Counter({
      name: 'vigil_triage_tool_calls_total',
      help: 'Triage tool calls by tool and outcome (ok, error).',
      labelNames: ['tool', 'outcome'] as const,
      registers: [registry],
    }),
    triageGate: new Counter({
      name: 'vigil_triage_gate_decisions_total',
      help: 'Gate decisions before an investigation (investigate, skip).',
      labelNames: ['decision'] as const,
      registers: [registry],
    }),
  };
}

/**
 * vigil_services{status}: how many services are in each state, read from the
 * last recorded transition of each when Prometheus scrapes (right whichever
 * worker recorded it).
 */
export function registerServiceStatusGauge(metrics: Metrics, pool: pg.Pool): void {
  new Gauge({
    name: 'vigil_services',
    help: 'Watched services by status (from their last recorded transition).',
    labelNames: ['status'] as const,
    registers: [metrics.registry],
    async collect() {
      this.reset();
      const { rows } = await pool.query<{ status: string; count: number }>(
        `SELECT to_status AS status, count(*)::int AS count FROM (
           SELECT DISTINCT ON (service) service, to_status FROM health_transitions ORDER BY service, at DESC, round DESC
         ) latest GROUP BY to_status`,
      );
      for (const status of ['healthy', 'degraded', 'unhealthy', 'unknown']) this.set({ status }, 0);
      for (const row of rows) this.set({ status: row.status }, row.count);
    },
  });
}

/**
 * vigil_drift_apps{status}: drift apps by status. Contested and paused live in the loops,
 * so with a Temporal client the gauge counts running `drift/*` executions of this
 * installation's queue by their VigilStatus search attribute; without one (or when
 * visibility does not answer) it falls back to the status of each app's last check.
 */
export function registerDriftStatusGauge(metrics: Metrics, pool: pg.Pool, visibility?: { client: Client; workflowTaskQueue: string }): void {
  new Gauge({
    name: 'vigil_drift_apps',
    help: 'Drift apps by status (in-sync, drifted, contested, error, paused, unknown).',
    labelNames: ['status'] as const,
    registers: [metrics.registry],
    async collect() {
      this.reset();
      if (visibility) {
        try {
          const counts = await Promise.all(
            DRIFT_STATUSES.map(async (status) => {
              const query = `VigilKind = "drift" AND VigilStatus = "${status}" AND ExecutionStatus = "Running" AND TaskQueue = "${visibility.workflowTaskQueue}"`;
              return [status, (await visibility.client.workflow.count(query)).count] as const;
            }),
          );
          for (const [status, count] of counts) this.set({ status }, count);
          return;
        } catch {
          this.reset(); // fall back to what PostgreSQL knows
        }
      }
      const { rows } = await pool.query<{ status: string; count: number }>('SELECT status, count(*)::int AS count FROM drift_state GROUP BY status');
      for (const status of ['in-sync', 'drifted', 'error']) this.set({ status }, 0);
      for (const row of rows) this.set({ status: row.status }, row.count);
    },
  });
}

/**
 * vigil_loops_not_running{kind}: defined health and drift loops that are not running
 * (missing, failed, terminated …), counted when Prometheus scrapes by `count` (the
 * API compares its definitions with Temporal). Registered once per registry: the API
 * may be built more than once over one (tests, `vigil up`).
 */
export function registerLoopsNotRunningGauge(metrics: Metrics, count: () => Promise<Record<string, number>>): void {
  if (metrics.registry.getSingleMetric('vigil_loops_not_running')) return;
  new Gauge({
    name: 'vigil_loops_not_running',
    help: 'Defined health and drift loops whose workflow is not running, by kind (GET /api/v1/services and /drift mark them).',
    labelNames: ['kind'] as const,
    registers: [metrics.registry],
    async collect() {
      // Temporal unreachable: no sample rather than a failed scrape (VigilDependencyErrors says why).
      const counts = await count().catch(() => ({}));
      this.reset();
      for (const [kind, value] of Object.entries(counts)) this.set({ kind }, value);
    },
  });
}

export type Metrics = ReturnType<typeof createMetrics>;
