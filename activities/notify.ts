// Sending a health event to every configured notifier (Slack, webhooks). A retry
// sends only to the notifiers that have not taken the event yet: the names that
// succeeded are kept in the activity's heartbeat details, which survive retries.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { notifyAll, type HealthEvent } from '../lib/adapters/notify';
import { FAILURES } from '../lib/core/failures';
import type { ActivityDeps } from './deps';

export function createNotifyActivities({ notifiers = [], log }: ActivityDeps) {
  return {
    async notify(input: { event: HealthEvent }): Promise<{ delivered: string[]; failed: string[] }> {
      const context = Context.current();
      const already = new Set<string>((context.info.heartbeatDetails as string[] | undefined) ?? []);
      const pending = notifiers.filter((notifier) => !already.has(notifier.name));
      const outcomes = await notifyAll(pending, input.event, context.cancellationSignal);
      const delivered = [...already, ...outcomes.filter((outcome) => outcome.ok).map((outcome) => outcome.name)];
      context.heartbeat(delivered);
      const failed = outcomes.filter((outcome) => !outcome.ok);
      for (const outcome of failed) log.warn({ notifier: outcome.name, error: outcome.error, service: input.event.service }, 'notification failed');
      if (failed.some((outcome) => outcome.retryable)) {
        throw ApplicationFailure.retryable(`not delivered to ${failed.map((outcome) => outcome.name).join(', ')}`, FAILURES.notifyFailed);
      }
      return { delivered, failed: failed.map((outcome) => outcome.name) };
    },
  };
}
