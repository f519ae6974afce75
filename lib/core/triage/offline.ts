// The built-in offline investigator (no API key): a fixed plan over the same
// tools, led by rank_suspects (the ranked investigator, lib/core/rca), and a
// report of the same shape written from their results, marked offline: its root
// cause is the ranking's first candidate, its confidence the ranking's.
import type { Verdict } from '../rca/report';
import type { Evidence, TriageAlert, TriageReport, ToolCall } from './types';

export interface OfflineQueries {
  /** PromQL with `$selector` for the alert's matcher, e.g. `job="shop"`. */
  errorRate: string;
  latency: string;
}

/** The defaults of llm.offline. */
export const DEFAULT_OFFLINE_QUERIES: OfflineQueries = {
  errorRate: 'sum(rate(http_requests_total{$selector,code=~"5.."}[5m]))',
  latency: 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{$selector}[5m])))',
};

/**
 * The fixed plan: is the target up, the service's status and recent actions,
 * its error rate and latency around startsAt, drift, error log lines, the
 * runbook, past triages.
 */
export function offlinePlan(alert: TriageAlert, queries: OfflineQueries, withRanking = true): ToolCall[] {
  const { labels } = alert;
  const service = labels.service ?? labels.job;
  const around = alert.startsAt ? Date.parse(alert.startsAt) / 1000 : undefined;
  const window = around ? { start: String(Math.round(around - 1800)), end: String(Math.round(around + 600)) } : { start: String(Math.round(Date.now() / 1000 - 3600)) };
  const matcher = labels.job ? `job="${labels.job}"` : labels.instance ? `instance="${labels.instance}"` : '';
  const selector = matcher ? `{${matcher}}` : '';
  const range = (template: string): Omit<ToolCall, 'id'> => ({ name: 'query_metrics_range', input: { query: template.replaceAll('$selector', matcher), ...window } });
  const calls: Omit<ToolCall, 'id'>[] = [
    ...(withRanking ? [{ name: 'rank_suspects', input: {} }] : []),
    { name: 'query_metrics', input: { query: `up${selector}` } },
    ...(service
      ? [
          { name: 'vigil_service_status', input: { service } },
          { name: 'vigil_recent_actions', input: { service } },
        ]
      : []),
    ...(matcher ? [range(queries.errorRate), range(queries.latency)] : []),
    { name: 'vigil_drift_status', input: {} },
    ...(service ? [{ name: 'query_logs', input: { query: `{service="${service}"} |~ "(?i)error|panic|fatal"`, limit: 50 } }] : []),
    { name: 'get_runbook', input: {} },
    { name: 'past_triages', input: {} },
  ];
  return calls.map((call, index) => ({ ...call, id: `offline_${index + 1}` }));
}

/** The verdict line of a rank_suspects answer (activities/rank-suspects.ts), if it has one. */
export function verdictOfAnswer(output: string): Verdict | undefined {
  const line = output.split('\n').find((text) => text.startsWith('verdict: '));
  if (!line) return undefined;
  try {
    const verdict = JSON.parse(line.slice('verdict: '.length)) as Verdict;
    return typeof verdict.rootCause === 'string' ? verdict : undefined;
  } catch {
    return undefined;
  }
}

export function offlineReport(alert: TriageAlert, results: { id: string; name: string; status: string; output: string }[]): TriageReport {
  const name = alert.labels.alertname ?? 'alert';
  const evidence: Evidence[] = results.map((result) => ({
    claim: `${result.name} (${result.status}): ${result.output.split('\n').slice(0, 3).join(' | ').slice(0, 400)}`,
    toolUseId: result.id,
  }));
  const ranked = results.find((result) => result.name === 'rank_suspects' && result.status === 'ok');
  const verdict = ranked && verdictOfAnswer(ranked.output);
  const down = results.find((result) => result.name === 'query_metrics' && result.status === 'ok' && /\s0$/m.test(result.output));
  const runbook = results.find((result) => result.name === 'get_runbook' && result.output.startsWith('runbook '));
  const nextSteps = [runbook ? `Follow ${runbook.output.split('\n')[0].replace(/^runbook /, 'runbook ')}` : 'Check the evidence above', 'Set an API key (llm.apiKeyEnv) for a full investigation'];
  if (verdict?.service) {
    return {
      summary: `Offline investigation of ${name} (no model configured): ${verdict.service} is the likeliest origin (${verdict.kind ?? 'unknown cause'}).`,
      rootCause: verdict.rootCause,
      rootCauseService: verdict.service,
      ...(verdict.kind ? { causeKind: verdict.kind } : {}),
      evidence,
      confidence: verdict.confidence,
      nextSteps,
      offline: true,
    };
  }
  return {
    summary: `Offline investigation of ${name} (no model configured): ${down ? 'a scrape target is down' : 'no service stood out'}; read the evidence.`,
    rootCause: down ? `A target is down: ${down.output.split('\n').find((line) => /\s0$/.test(line)) ?? ''}` : (verdict?.rootCause ?? 'Not determined by the offline investigator.'),
    evidence,
    confidence: 'low',
    nextSteps,
    offline: true,
  };
}
