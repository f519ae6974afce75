// Notifiers from config, and delivery to all of them. Secrets (the Slack webhook
// URL, webhook header values) come from env vars named in the config; a missing
// one disables that notifier and is reported, never thrown, so a half-configured
// notifications section cannot stop Vigil from starting.
import type { VigilConfig } from '../../core/config/schema';
import { slackNotifier } from './slack';
import { webhookNotifier } from './webhook';
import { NON_RETRYABLE_NOTIFY_ERROR, type HealthEvent, type Notifier } from '../../core/notify/types';

export { NON_RETRYABLE_NOTIFY_ERROR, boundDetails, type HealthEvent, type HealthEventKind, type Notifier } from '../../core/notify/types';
export { NotifyError, redactWebhookUrl } from './http';
export { escapeMrkdwn, slackBody, slackNotifier, type SlackBody } from './slack';
export { webhookBody, webhookNotifier, type WebhookBodyV1 } from './webhook';

export interface BuiltNotifiers {
  notifiers: Notifier[];
  /** One line per notifier that could not be built, e.g. `slack: env var SLACK_URL is not set`. */
  problems: string[];
}

export function buildNotifiers(config: { notifications: VigilConfig['notifications'] }, env: Record<string, string | undefined> = process.env): BuiltNotifiers {
  const notifiers: Notifier[] = [];
  const problems: string[] = [];
  const attempt = (name: string, build: () => Notifier) => {
    try {
      notifiers.push(build());
    } catch (error) {
      // The factories' messages name the notifier and never the URL.
      problems.push(error instanceof Error ? error.message : `${name}: ${String(error)}`);
    }
  };

  const { slack, webhooks } = config.notifications;
  if (slack.webhookUrlEnv) {
    const webhookUrl = env[slack.webhookUrlEnv];
    if (!webhookUrl) problems.push(`slack: env var ${slack.webhookUrlEnv} (notifications.slack.webhookUrlEnv) is not set`);
    else attempt('slack', () => slackNotifier({ webhookUrl, channel: slack.channel || undefined }));
  }

  for (const [index, webhook] of webhooks.entries()) {
    const name = `webhook:${webhook.name}`;
    const headers: Record<string, string> = {};
    const missing: string[] = [];
    for (const [header, variable] of Object.entries(webhook.headersEnv ?? {})) {
      const value = env[variable];
      if (value) headers[header] = value;
      else missing.push(`${variable} (header ${header})`);
    }
    if (missing.length) {
      problems.push(`${name}: env var ${missing.join(', ')} not set (notifications.webhooks[${index}].headersEnv)`);
      continue;
    }
    attempt(name, () => webhookNotifier({ name: webhook.name, url: webhook.url, headers }));
  }
  return { notifiers, problems };
}

export interface NotifyOutcome {
  name: string;
  ok: boolean;
  /** The error's message (already free of URLs and header values). */
  error?: string;
  /** False for errors that will not go away on retry (NonRetryableNotifyError). */
  retryable?: boolean;
}

/** Sends to every notifier at once; one failing does not stop the others. */
export async function notifyAll(notifiers: readonly Notifier[], event: HealthEvent, signal?: AbortSignal): Promise<NotifyOutcome[]> {
  const settled = await Promise.allSettled(notifiers.map((notifier) => notifier.send(event, signal)));
  return settled.map((result, index): NotifyOutcome => {
    const { name } = notifiers[index];
    if (result.status === 'fulfilled') return { name, ok: true };
    const error: unknown = result.reason;
    const message = error instanceof Error ? error.message : String(error);
    const retryable = !(error instanceof Error && error.name === NON_RETRYABLE_NOTIFY_ERROR);
    return { name, ok: false, error: message, retryable };
  });
}
