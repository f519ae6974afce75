// Sync windows: a cron expression for when a window opens and how long it stays
// open, of kind allow or deny. Outside every allow window (when any is defined)
// or inside any deny window, drift is recorded but not applied; a manual sync
// with `force` overrides. Pure (croner only reads the date it is given), so
// workflow code calls it.
import { Cron } from 'croner';

export interface SyncWindow {
  kind: 'allow' | 'deny';
  cron: string;
  durationMs: number;
  timezone: string;
}

export interface WindowVerdict {
  allowed: boolean;
  /** Why not, when not allowed. */
  reason?: string;
}

function openUntil(window: SyncWindow, now: number): number | undefined {
  const [lastStart] = new Cron(window.cron, { timezone: window.timezone }).previousRuns(1, new Date(now + 1));
  if (!lastStart) return undefined;
  const until = lastStart.getTime() + window.durationMs;
  return now < until ? until : undefined;
}

export function syncAllowed(windows: readonly SyncWindow[], now: number): WindowVerdict {
  for (const window of windows.filter((candidate) => candidate.kind === 'deny')) {
    const until = openUntil(window, now);
    if (until !== undefined) return { allowed: false, reason: `in deny window "${window.cron}" until ${new Date(until).toISOString()}` };
  }
  const allows = windows.filter((candidate) => candidate.kind === 'allow');
  if (allows.length && !allows.some((window) => openUntil(window, now) !== undefined)) {
    return { allowed: false, reason: `outside the allow windows (${allows.map((window) => `"${window.cron}"`).join(', ')})` };
  }
  return { allowed: true };
}
