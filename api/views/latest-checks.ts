// A healthy service's loop hears of its check rounds only when its quiet watch
// reports (up to 10 rounds or 60 s later, README "How the loop spends
// Temporal's time"), but every round is stored as it happens. The service view
// shows each check as its latest stored row says; status, counters and
// baselines stay the loop's own.
import type pg from 'pg';
import type { CheckView } from '../../workflows/messages';

interface LatestRow {
  name: string;
  at: Date;
  up: boolean;
  latency_ms: number;
  attempts: number;
  detail: string;
}

/** `checks` with each one's fields replaced by a newer stored result, if there is one. */
export async function withLatestResults(pool: pg.Pool, service: string, checks: CheckView[]): Promise<CheckView[]> {
  if (!checks.length) return checks;
  const { rows } = await pool.query<LatestRow>(
    `SELECT wanted.name, latest.checked_at AS at, latest.up, latest.latency_ms, latest.attempts, latest.detail
       FROM unnest($2::text[]) AS wanted(name)
       CROSS JOIN LATERAL (
         SELECT checked_at, up, latency_ms, attempts, detail FROM check_results
          WHERE service = $1 AND check_name = wanted.name ORDER BY checked_at DESC LIMIT 1
       ) AS latest`,
    [service, checks.map((check) => check.name)],
  );
  const latest = new Map(rows.map((row) => [row.name, row]));
  return checks.map((check) => {
    const row = latest.get(check.name);
    if (!row || row.at.getTime() <= check.at) return check;
    return { ...check, up: row.up, latencyMs: row.latency_ms, attempts: row.attempts, detail: row.detail, at: row.at.getTime() };
  });
}
