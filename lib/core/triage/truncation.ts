// Alertmanager sends at most `max_alerts` alerts of a group in one webhook and
// says how many it left out (`truncatedAlerts`). Those alerts are not triaged from
// that payload; the triages it does start are told, through an annotation of
// their alert (which the model reads and the run shows), so that an investigation
// does not take the alerts it saw for the whole group.
import type { TriageAlert } from './types';

export const TRUNCATION_ANNOTATION = 'vigil_truncated_alerts';

export function truncationNote(payload: { truncatedAlerts: number; groupKey: string; alerts: readonly unknown[] }): string | undefined {
  const left = payload.truncatedAlerts;
  if (!(left > 0)) return undefined;
  const all = payload.alerts.length + left;
  return `Alertmanager left ${left} of the ${all} alerts of this alert's group out of its webhook (its max_alerts setting): Vigil did not see them, and they may be part of the same incident. Group: ${payload.groupKey.slice(0, 500)}`;
}

/** The alert with the note among its annotations; unchanged when nothing was left out. */
export function withTruncationNote<Alert extends Pick<TriageAlert, 'annotations'>>(alert: Alert, note: string | undefined): Alert {
  return note ? { ...alert, annotations: { ...alert.annotations, [TRUNCATION_ANNOTATION]: note } } : alert;
}
