// An Alertmanager webhook payload (version 4) of ShopDown alerts, as the triage
// tests post it to /api/v1/alerts.
export interface TestAlert {
  scenario: string;
  fingerprint: string;
  status?: 'firing' | 'resolved';
  startsAt?: string;
  labels?: Record<string, string>;
}

export function alertmanagerPayload(alerts: TestAlert[], options: { truncatedAlerts?: number } = {}) {
  return {
    version: '4',
    groupKey: '{}:{alertname="ShopDown"}',
    truncatedAlerts: options.truncatedAlerts ?? 0,
    status: 'firing',
    receiver: 'vigil',
    groupLabels: { alertname: 'ShopDown' },
    commonLabels: { alertname: 'ShopDown' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: alerts.map((alert) => ({
      status: alert.status ?? 'firing',
      labels: { alertname: 'ShopDown', service: 'shop', scenario: alert.scenario, ...alert.labels },
      annotations: { summary: 'shop is down' },
      startsAt: alert.startsAt ?? '2026-11-23T10:00:00.123456789Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph',
      fingerprint: alert.fingerprint,
    })),
  };
}
