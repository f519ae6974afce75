// The configuration files of the Prometheus and Alertmanager that `vigil up` runs
// beside Vigil (lib/adapters/monitoring/ runs them): built here from the settings
// as text, so that tests read exactly what the processes read.
import YAML from 'yaml';
import type { VigilConfig } from '../config/schema';

/** The shop's services, in the order of the call graph (gateway → orders → {payments, inventory}, orders → db). */
export const SHOP_SERVICES = ['gateway', 'orders', 'payments', 'inventory', 'db'] as const;
export type ShopService = (typeof SHOP_SERVICES)[number];

/** Job names the shipped rules (monitoring/rules/) select on. */
export const SHOP_JOB = 'shop';
// `vigil up` is the API and the workers in one process; `vigil-api` is the name
// monitoring/rules/vigil.yml (VigilDown, VigilApiErrors) and compose give its ops listener.
export const VIGIL_JOB = 'vigil-api';

export interface PrometheusConfigInput {
  scrapeIntervalMs: number;
  /** The shop's ports by service; omitted when the demo is not enabled. */
  shop?: Record<ShopService, number>;
  /** host:port of Vigil's ops listener (/metrics). */
  vigilOps: string;
  /** host:port Prometheus itself listens on. */
  self: string;
  /** Rule files or globs, absolute. */
  ruleFiles: string[];
  /** host:port of the Alertmanager to send alerts to, if one runs. */
  alertmanager?: string;
}

/** A Prometheus duration: whole seconds as "5s", anything else in milliseconds. */
export function promDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${Math.round(ms)}ms`;
}

/** A listen host as a client dials it: a wildcard address means this machine. */
export function dialHost(host: string): string {
  return host === '' || host === '0.0.0.0' || host === '::' || host === '[::]' ? '127.0.0.1' : host;
}

export function prometheusConfigYaml(input: PrometheusConfigInput): string {
  const interval = promDuration(input.scrapeIntervalMs);
  const scrapeConfigs: Record<string, unknown>[] = [];
  if (input.shop) {
    // Services' metrics carry no `service` label of their own: the target's label is the one alerts and triage key on.
    const shop = input.shop;
    scrapeConfigs.push({ job_name: SHOP_JOB, static_configs: SHOP_SERVICES.map((service) => ({ targets: [`127.0.0.1:${shop[service]}`], labels: { service } })) });
  }
  scrapeConfigs.push({ job_name: VIGIL_JOB, static_configs: [{ targets: [input.vigilOps] }] }, { job_name: 'prometheus', static_configs: [{ targets: [input.self] }] });
  const config: Record<string, unknown> = {
    global: {
      scrape_interval: interval,
      // Prometheus refuses a timeout above the interval; its default (10 s) is above ours.
      scrape_timeout: promDuration(Math.min(input.scrapeIntervalMs, 10_000)),
      // Rules with `for: 30s` need evaluations at least as often as the samples come.
      evaluation_interval: interval,
    },
    rule_files: input.ruleFiles,
    scrape_configs: scrapeConfigs,
  };
  if (input.alertmanager) config.alerting = { alertmanagers: [{ static_configs: [{ targets: [input.alertmanager] }] }] };
  return header('Prometheus') + YAML.stringify(config);
}

export interface AlertmanagerConfigInput {
  /** Vigil's alert webhook, e.g. http://127.0.0.1:8080/api/v1/alerts. */
  webhookUrl: string;
  /** File holding the bearer token (read by Alertmanager at each send, never written into the config). */
  credentialsFile: string;
  /** How long the first alert of a group waits for others: short, so a demo fault reaches triage quickly. */
  groupWaitMs?: number;
}

export function alertmanagerConfigYaml(input: AlertmanagerConfigInput): string {
  const config = {
    route: {
      receiver: 'vigil-triage',
      // One triage per alert and service, as monitoring/alertmanager.yml does for compose.
      group_by: ['alertname', 'service'],
      group_wait: promDuration(input.groupWaitMs ?? 5_000),
      // A new alert in a group that already notified (the same alert of the same service again,
      // minutes later) waits for the group's next tick: with 1m the evaluation saw up to 51 s
      // from alert to report. Above temporal.rpcTimeoutMs (10 s), so Vigil's answer is in time.
      group_interval: '15s',
      repeat_interval: '4h',
    },
    receivers: [
      {
        name: 'vigil-triage',
        webhook_configs: [{ url: input.webhookUrl, send_resolved: true, max_alerts: 50, http_config: { authorization: { type: 'Bearer', credentials_file: input.credentialsFile } } }],
      },
    ],
  };
  return header('Alertmanager') + YAML.stringify(config);
}

/** The shop's ports when `vigil up` runs the shop, else undefined (nothing of it to scrape). */
export function shopTargets(config: Pick<VigilConfig, 'demo'>): Record<ShopService, number> | undefined {
  return config.demo.enabled ? { ...config.demo.ports } : undefined;
}

const header = (what: string) => `# ${what} for \`vigil up\`, written at each start from configs/vigil.yaml (lib/core/monitoring/local-stack.ts); edits here are lost.\n`;
