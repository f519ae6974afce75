// Reads the pushed metrics a service's policies are about: one aggregate per
// policy over its window, straight from PostgreSQL. Read-only, so retries are free.
import type { MetricSelector } from '../lib/core/health/metric-policy';
import type { ActivityDeps } from './deps';

export interface MetricQuery {
  name: string;
  selector: MetricSelector;
  windowMs: number;
}

export interface MetricReading {
  name: string;
  /** The window's aggregate; null when the window holds no samples. */
  value: number | null;
  samples: number;
}

// A closed list of SQL expressions: the aggregate never reaches SQL as text.
const AGGREGATE_SQL: Record<MetricSelector['aggregate'], string> = {
  avg: 'avg(value)',
  min: 'min(value)',
  max: 'max(value)',
  sum: 'sum(value)',
  count: 'count(*)::double precision',
  last: '(array_agg(value ORDER BY ts DESC))[1]',
};

export function createMetricPolicyActivities({ pool }: ActivityDeps) {
  return {
    /** `at` is the workflow's time of the evaluation: each window ends there. */
    async readMetricPolicies(input: { service: string; at: number; queries: MetricQuery[] }): Promise<MetricReading[]> {
      return Promise.all(
        input.queries.map(async ({ name, selector, windowMs }) => {
          const { rows } = await pool.query<{ value: number | null; samples: string }>(
            `SELECT ${AGGREGATE_SQL[selector.aggregate]} AS value, count(*) AS samples
               FROM metric_samples
              WHERE service = $1 AND name = $2 AND labels @> $3::jsonb
                AND ts > to_timestamp($4 / 1000.0) - make_interval(secs => $5 / 1000.0)`,
            [input.service, selector.metric, JSON.stringify(selector.labels), input.at, windowMs],
          );
          const samples = Number(rows[0]?.samples ?? 0);
          return { name, value: samples ? Number(rows[0].value) : null, samples };
        }),
      );
    },
  };
}
