// Generic JSON webhook. The body is a stable, versioned shape (version 1); every
// key is always present so receivers need no existence checks:
//
//   {
//     "version": 1,
//     "kind": "unhealthy" | "healed" | "gave-up" | "remediated" | "triaged" | "triage-resolved" | "drift-…",
//     "service": "checkout",
//     "status": "unknown" | "healthy" | "degraded" | "unhealthy"   // services
//             | drift statuses                                       // drift apps
//             | "completed" | "refused" | "failed" | … | "resolved", // triages: the outcome; the follow-up
//     "at": "2026-11-23T10:00:00.000Z",         // ISO 8601, UTC
//     "summary": "3 consecutive failures: HTTP 500",
//     "details": ["…"],                         // at most 20 lines of at most 500 chars; [] when none
//     "action": { "step": "restart", "type": "exec", "outcome": "succeeded" } | null,
//     "links": { "vigil"?: "https://…", "temporal"?: "https://…" }   // {} when none
//   }
//
// Sent as POST with `content-type: application/json` and the configured headers.
// A change that removes or retypes a key bumps `version`.
import { checkWebhookUrl, postJson } from './http';
import { boundDetails, type HealthEvent, type Notifier } from '../../core/notify/types';

export interface WebhookBodyV1 {
  version: 1;
  kind: HealthEvent['kind'];
  service: string;
  status: HealthEvent['status'];
  at: string;
  summary: string;
  details: string[];
  action: { step: string; type: string; outcome: string } | null;
  links: { vigil?: string; temporal?: string };
}

export function webhookBody(event: HealthEvent): WebhookBodyV1 {
  const links: WebhookBodyV1['links'] = {};
  if (event.links?.vigil) links.vigil = event.links.vigil;
  if (event.links?.temporal) links.temporal = event.links.temporal;
  return {
    version: 1,
    kind: event.kind,
    service: event.service,
    status: event.status,
    at: new Date(event.at).toISOString(),
    summary: event.summary,
    details: boundDetails(event.details),
    action: event.action ? { step: event.action.step, type: event.action.type, outcome: event.action.outcome } : null,
    links,
  };
}

export interface WebhookNotifierOptions {
  name: string;
  url: string;
  /** Header name → value (already resolved from env; values are secrets). */
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export function webhookNotifier(options: WebhookNotifierOptions): Notifier {
  const name = `webhook:${options.name}`;
  checkWebhookUrl(name, options.url);
  const headers = { ...options.headers };
  return {
    name,
    async send(event, signal) {
      await postJson({ notifier: name, url: options.url, headers, body: webhookBody(event), signal, timeoutMs: options.timeoutMs });
    },
  };
}
