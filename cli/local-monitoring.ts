// `vigil up`'s own Prometheus and Alertmanager (issue 16): when
// llm.sources.prometheusUrl names none, it runs one beside the shop, scraping the
// shop, Vigil's ops listener and itself, evaluating monitoring/rules/*.yml, and
// sending alerts to an Alertmanager that posts them to Vigil's webhook. So a
// fault goes rule → Alertmanager → triage with nothing configured by hand, and
// the triage tools query the same Prometheus. Both are optional: a missing
// binary or a failed start is said in one line and Vigil runs without it.
import { join } from 'node:path';
import { apiToken, type ApiToken } from '../api/auth-tokens';
import { ALERTMANAGER_TOOL, PROMETHEUS_TOOL, provisionMonitoringTools, type MonitoringTool } from '../lib/adapters/monitoring/binaries';
import { loadOrCreateAlertmanagerToken, startLocalAlertmanager, startLocalPrometheus, stopLeftoverMonitoring, type LocalProcess } from '../lib/adapters/monitoring/local-stack';
import { projectRoot } from '../lib/adapters/paths';
import type { VigilConfig } from '../lib/core/config/schema';
import { alertmanagerConfigYaml, dialHost, prometheusConfigYaml, shopTargets } from '../lib/core/monitoring/local-stack';
import type { PortClaim } from './ports';
import type { Shutdown } from './process-signals';

export interface LocalMonitoring {
  prometheus?: LocalProcess;
  alertmanager?: LocalProcess;
  /** The Alertmanager's own token, for the API's token list. */
  tokens: ApiToken[];
}

/** With a Prometheus of its own named in the settings, Vigil uses that one and starts none (nor an Alertmanager: nothing of ours would send to it). */
export const runsLocalPrometheus = (config: VigilConfig) => config.prometheus.enabled && !config.llm.sources.prometheusUrl;
const runsLocalAlertmanager = (config: VigilConfig) => runsLocalPrometheus(config) && config.alertmanager.enabled;

export function monitoringPortClaims(config: VigilConfig): PortClaim[] {
  const hint = (part: string) => `Or run without it: ${part}.enabled: false (VIGIL_${part.toUpperCase()}__ENABLED=false)`;
  const claims: PortClaim[] = [];
  if (runsLocalPrometheus(config)) claims.push({ host: '127.0.0.1', port: config.prometheus.port, setting: 'prometheus.port', envName: 'VIGIL_PROMETHEUS__PORT', hint: hint('prometheus') });
  if (runsLocalAlertmanager(config)) claims.push({ host: '127.0.0.1', port: config.alertmanager.port, setting: 'alertmanager.port', envName: 'VIGIL_ALERTMANAGER__PORT', hint: hint('alertmanager') });
  return claims;
}

/** Whatever the settings say now: a leftover on this dataDir is ours even if this run will not start one. */
export async function stopLeftoverMonitoringOf(dataDir: string, say: (line: string) => void): Promise<void> {
  for (const name of await stopLeftoverMonitoring(dataDir)) say(`stopped ${name === 'Alertmanager' ? 'an' : 'a'} ${name} left over from an earlier run`);
}

/**
 * Where the triage's tools read, for this process only (the settings file is not
 * touched): our Prometheus, and the shop's log files when no Loki is configured.
 * Must run before the workers start: the tool activities read the config once.
 */
export function pointSourcesAtLocal(config: VigilConfig, dataDir: string, local: LocalMonitoring): void {
  const sources = config.llm.sources;
  if (local.prometheus) sources.prometheusUrl = local.prometheus.url;
  if (!sources.logDir && config.demo.enabled) sources.logDir = join(dataDir, 'demo');
}

export async function startLocalMonitoring(config: VigilConfig, dataDir: string, shutdown: Shutdown, say: (line: string) => void): Promise<LocalMonitoring> {
  const local: LocalMonitoring = { tokens: [] };
  if (!runsLocalPrometheus(config)) return local;
  const wanted: MonitoringTool[] = [PROMETHEUS_TOOL, ...(runsLocalAlertmanager(config) ? [ALERTMANAGER_TOOL] : [])];
  const found = await shutdown.step(provisionMonitoringTools(wanted, { say }));
  const prometheusBinary = found.get(PROMETHEUS_TOOL);
  if (!prometheusBinary) return local;
  const alertmanagerBinary = found.get(ALERTMANAGER_TOOL);

  // Started before Prometheus so that its first alerts have somewhere to go.
  if (alertmanagerBinary) {
    const token = loadOrCreateAlertmanagerToken(dataDir);
    const webhookUrl = `http://${dialHost(config.server.host)}:${config.server.port}/api/v1/alerts`;
    say(`starting Alertmanager (${alertmanagerBinary}) on 127.0.0.1:${config.alertmanager.port}, sending alerts to ${webhookUrl} ...`);
    local.alertmanager = await optional(
      shutdown,
      'Alertmanager',
      startLocalAlertmanager({ executable: alertmanagerBinary, dataDir, port: config.alertmanager.port, config: alertmanagerConfigYaml({ webhookUrl, credentialsFile: token.file }) }),
      say,
    );
    if (local.alertmanager) local.tokens.push(apiToken('alertmanager', 'operate', token.secret));
  }

  const prometheusConfig = prometheusConfigYaml({
    scrapeIntervalMs: config.prometheus.scrapeIntervalMs,
    shop: shopTargets(config),
    vigilOps: `${dialHost(config.server.ops.host)}:${config.server.ops.port}`,
    self: `127.0.0.1:${config.prometheus.port}`,
    ruleFiles: [join(projectRoot(), 'monitoring', 'rules', '*.yml')],
    alertmanager: local.alertmanager?.address,
  });
  say(`starting Prometheus (${prometheusBinary}) on 127.0.0.1:${config.prometheus.port} (data in ${join(dataDir, 'prometheus')}) ...`);
  local.prometheus = await optional(shutdown, 'Prometheus', startLocalPrometheus({ executable: prometheusBinary, dataDir, port: config.prometheus.port, config: prometheusConfig }), say);
  return local;
}

/** Starts one part under `shutdown`; a failure to start is said and leaves Vigil without it (a stop requested meanwhile still ends start-up). */
async function optional(shutdown: Shutdown, name: string, begin: Promise<LocalProcess>, say: (line: string) => void): Promise<LocalProcess | undefined> {
  try {
    const started = await shutdown.start(name, begin, (running) => () => running.stop());
    // Not a reason to stop Vigil (the other children are): the loops and triage go on, only the metrics tools lose their source.
    void started.exited.then((code) => shutdown.stopping || say(`${name} exited on its own (${code}); going on without it. Its log: ${started.logFile}`));
    return started;
  } catch (error) {
    if (shutdown.stopping) throw error;
    say(`${name} did not start; going on without it: ${(error as Error).message.split('\n')[0]}`);
    return undefined;
  }
}
