// One best-effort notification for every loop. A notification that cannot be
// delivered (Slack away past its retries, a notifier that rejects the event) is
// logged and the loop goes on: what it announces is in PostgreSQL already. A
// cancellation is not a delivery failure: it still ends the caller.
import { isCancellation, log } from '@temporalio/workflow';
import type { HealthEvent } from '../lib/core/notify/types';
import { notifier } from './proxies';

/** `about` names the loop in the log line (service, app or triage id). */
export async function notifyBestEffort(event: HealthEvent, about: Record<string, string>): Promise<void> {
  try {
    await notifier().notify({ event });
  } catch (error) {
    if (isCancellation(error)) throw error;
    log.warn('notification not delivered', { ...about, kind: event.kind, error: String(error) });
  }
}
