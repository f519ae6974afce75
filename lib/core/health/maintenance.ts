// Maintenance windows: a cron expression for when a window starts and how long
// it lasts. During one, checks go on but nothing is remediated or notified.
// Pure (croner only reads the date it is given), so workflow code can call it.
import { Cron } from 'croner';

export interface MaintenanceWindow {
  cron: string;
  durationMs: number;
  timezone: string;
}

/** The window `now` falls in, if any, with the time it ends (epoch ms). */
export function activeMaintenance(windows: MaintenanceWindow[], now: number): { until: number; cron: string } | undefined {
  let active: { until: number; cron: string } | undefined;
  for (const window of windows) {
    const [lastStart] = new Cron(window.cron, { timezone: window.timezone }).previousRuns(1, new Date(now + 1));
    if (!lastStart) continue;
    const until = lastStart.getTime() + window.durationMs;
    if (now < until && (!active || until > active.until)) active = { until, cron: window.cron };
  }
  return active;
}

/** Is `expression` a cron expression croner accepts? (Config validation.) */
export function isCronExpression(expression: string): boolean {
  try {
    new Cron(expression, { paused: true });
    return true;
  } catch {
    return false;
  }
}
