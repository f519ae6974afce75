// What a notifier is told, and the one small interface every notifier implements.
// Each notifier builds its request body in a pure function (slackBody,
// webhookBody) that tests call directly; `send` only posts it.
import { FAILURES } from '../failures';
import type { DriftStatus } from '../drift/types';
import type { HealthStatus } from '../health/state';
import type { TriageStatus } from '../triage/types';

export type HealthEventKind = 'unhealthy' | 'healed' | 'gave-up' | 'remediated' | 'triaged' | 'triage-resolved' | DriftEventKind;
/** Drift events carry the app's name in `service` and a drift status. */
export type DriftEventKind = 'drift-found' | 'drift-healed' | 'drift-gave-up';

export interface HealthEvent {
  kind: HealthEventKind;
  service: string;
  /** The service's (or drift app's) status after what happened; for a triage, its outcome, or `resolved` for the alert's follow-up. */
  status: HealthStatus | DriftStatus | TriageStatus | 'resolved';
  /** When it happened, epoch milliseconds. */
  at: number;
  /** One line: what happened. */
  summary: string;
  /** Evidence (check output, matched log lines). Builders bound it: see boundDetails. */
  details?: string[];
  /** The remediation step this event is about, if any. */
  action?: { step: string; type: string; outcome: string };
  links?: { vigil?: string; temporal?: string };
}

export interface Notifier {
  /** Unique among the configured notifiers; shown in outcomes and logs. */
  readonly name: string;
  /**
   * Delivers the event or throws. A throw whose `name` is NON_RETRYABLE_NOTIFY_ERROR
   * will fail the same way again (bad URL, revoked webhook); anything else may succeed
   * on retry (429, 5xx, timeouts, network errors).
   */
  send(event: HealthEvent, signal?: AbortSignal): Promise<void>;
}

/** Listed in the notify activity's retry policy as `nonRetryableErrorTypes`. */
export const NON_RETRYABLE_NOTIFY_ERROR = FAILURES.notifyRejected;

export const MAX_DETAIL_LINES = 20;
export const MAX_DETAIL_LINE_CHARS = 500;

/** Cuts `text` to at most `max` characters, ending with `…` when it cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}

/**
 * At most MAX_DETAIL_LINES lines of at most MAX_DETAIL_LINE_CHARS each; when lines
 * were dropped the last line says how many.
 */
export function boundDetails(details: readonly string[] = []): string[] {
  const lines = details.flatMap((detail) => String(detail).split(/\r?\n/)).map((line) => truncate(line, MAX_DETAIL_LINE_CHARS));
  if (lines.length <= MAX_DETAIL_LINES) return lines;
  const kept = lines.slice(0, MAX_DETAIL_LINES - 1);
  return [...kept, `… ${lines.length - kept.length} more lines`];
}
