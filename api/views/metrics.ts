// Pushed metric samples (metric_samples): stored once per (service, name,
// labels, ts), so a retried batch is harmless; read back newest first.
import type pg from 'pg';
import type { MetricSample } from '../schemas/system';
import { utcOrNull } from '../validation';

export interface SampleRow {
  name: string;
  /** Labels in name order: the same label set always makes the same key. */
  labels_key: string;
  labels: Record<string, string>;
  /** Epoch ms. */
  ts: number;
  value: number;
}

/** Returns how many samples were new. */
export async function storeSamples(pool: pg.Pool, service: string, rows: SampleRow[]): Promise<number> {
  const { rowCount } = await pool.query(
    `INSERT INTO metric_samples (service, name, labels_key, labels, ts, value)
     SELECT $1, r.name, r.labels_key, r.labels, to_timestamp(r.ts / 1000.0), r.value
       FROM jsonb_to_recordset($2::jsonb) AS r(name text, labels_key text, labels jsonb, ts double precision, value double precision)
     ON CONFLICT (service, name, labels_key, ts) DO NOTHING`,
    [service, JSON.stringify(rows)],
  );
  return rowCount ?? 0;
}

export interface SampleFilter {
  service: string;
  name?: string;
  since?: string;
  limit: number;
}

export async function listSamples(pool: pg.Pool, { service, name, since, limit }: SampleFilter): Promise<MetricSample[]> {
  const { rows } = await pool.query<MetricSample>(
    `SELECT name, value, to_json(ts)#>>'{}' AS ts, labels FROM metric_samples
      WHERE service = $1 AND ($2::text IS NULL OR name = $2) AND ($3::timestamptz IS NULL OR ts >= $3)
      ORDER BY ts DESC, name LIMIT $4`,
    [service, name ?? null, utcOrNull(since), limit],
  );
  return rows;
}
