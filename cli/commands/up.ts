// `vigil up` (npm start): the whole stack in one process tree on a laptop.
// Temporal dev server and PostgreSQL are started unless TEMPORAL_ADDRESS /
// DATABASE_URL point elsewhere; then migrations, a worker set and the API.
// Ctrl-C or SIGTERM, at any moment of start-up or running, stops what has
// started in reverse order and exits 0 (cli/process-signals.ts).
import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { apiToken } from '../../api/auth-tokens';
import type { RunningApi } from '../../api/server';
import { loadConfig, type LoadedConfig } from '../../lib/adapters/config/load';
import { redactUrl } from '../../lib/core/redact';
import { createMetrics, registerDriftStatusGauge, registerServiceStatusGauge } from '../../lib/adapters/metrics';
import { taskQueues } from '../../workflows/messages';
import { startEmbeddedPostgres, stopLeftoverPostgres, type RunningPostgres } from '../../lib/adapters/postgres/embedded';
import { stopLeftover } from '../../lib/adapters/process/child';
import { lockDataDir } from '../../lib/adapters/process/data-dir-lock';
import { provisionTemporalCli, TemporalCliNotFound } from '../../lib/adapters/temporal/cli-binary';
import { startDevServer, startDevServerFromSdkDownload, type DevServer } from '../../lib/adapters/temporal/dev-server';
import { installTemporalRuntime } from '../../lib/adapters/temporal/runtime';
import { formatProblem } from '../../lib/core/config/errors';
import { applyApps, applyServices, type ApplyReport } from '../../lib/client/apply';
import { crossReleaseCut } from '../../lib/client/release-cut';
import { startSupervisor } from '../../lib/client/supervise';
import type { Logger } from '../../lib/adapters/log';
import { loadWorkflowCode } from '../../workers/workflow-code';
import { adminTokenFromEnv, loadOrCreateAdminToken, type AdminToken } from '../admin-token';
import { demoSettings, startDemo, stopDemo } from '../demo-process';
import { monitoringPortClaims, pointSourcesAtLocal, startLocalMonitoring, stopLeftoverMonitoringOf, type LocalMonitoring } from '../local-monitoring';
import { assertPortsFree, type PortClaim } from '../ports';
import { Shutdown } from '../process-signals';
import { apiTokens, ensureSearchAttributes, openDatabase, processLogger, startApiServer, startWorkerSet, temporalClient, vigilVersion, type TemporalClientHandle } from '../stack';
import { announceApi } from '../api-announce';

const say = (line: string) => process.stdout.write(`vigil: ${line}\n`);
const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

export async function up(loaded: LoadedConfig): Promise<void> {
  // First of all, before anything starts: from here a signal at any moment stops
  // what has started, in reverse order, and exits 0 (cli/process-signals.ts).
  const shutdown = new Shutdown({
    progress: (what, ms) => say(what === undefined ? 'stopped' : ms === undefined ? `stopping ${what} ...` : `  done in ${seconds(ms)}`),
    onSignal: (signal) => say(`${signal}: stopping everything in order (press Ctrl-C again to exit without waiting)`),
  }).ownSignals();
  const { config } = loaded;
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const lock = lockDataDir(dataDir);
  shutdown.onStop(undefined, async () => lock.release());
  const log = processLogger(config, join(dataDir, 'logs', 'vigil.log'));
  shutdown.onStop(undefined, async () => log.flush?.());
  // Before anything of Temporal's: a Runtime the SDK creates on its own takes the signals.
  installTemporalRuntime(log);

  let started: Started;
  try {
    started = await startStack(loaded, dataDir, shutdown, log);
  } catch (error) {
    // A stop under way (a signal, a lost worker) ends the process itself.
    if (shutdown.stopping) return;
    await shutdown.stop().catch(() => {});
    throw error;
  }
  // A child that dies on its own (the OOM killer, a kill by hand) takes the rest down:
  // the loops would only retry against nothing while the banner still said "up".
  const onChildExit = (name: string, exited: Promise<number | string> | undefined, logFile: string) =>
    void exited?.then((code) => {
      if (shutdown.stopping) return;
      log.fatal({ child: name, code }, `${name} exited; stopping`);
      say(`${name} exited on its own (${code}); stopping everything. Its log: ${logFile}`);
      void shutdown.exit(1);
    });
  onChildExit('the Temporal dev server', started.devServer?.exited, join(dataDir, 'logs', 'temporal.log'));
  if (started.postgres) onChildExit('PostgreSQL', started.postgres.child.exited, started.postgres.child.logFile);
}

interface Started {
  devServer?: DevServer;
  postgres?: RunningPostgres;
}

/**
 * Starts the stack step by step, each step registering its stop with `shutdown`
 * as soon as it is up; a stop requested meanwhile ends start-up at the step it
 * has reached (StopRequested). The API comes last, after the definitions are
 * applied, so that /-/ready answers only once start-up is complete.
 */
async function startStack(loaded: LoadedConfig, dataDir: string, shutdown: Shutdown, log: Logger): Promise<Started> {
  const { config } = loaded;
  const ownTemporal = !config.temporal.address;
  const ownPostgres = !config.database.url;
  // A Vigil that was killed (not stopped) may have left its children running.
  await shutdown.step(stopLeftovers(dataDir, ownTemporal, ownPostgres));
  await shutdown.step(stopLeftoverMonitoringOf(dataDir, say));
  await shutdown.step(checkPorts(loaded, ownTemporal, ownPostgres));

  const metrics = createMetrics();
  const started: Started = {};
  const [temporalAddress, databaseUrl, workflowCode] = await shutdown.step(
    Promise.all([
      ownTemporal ? startOwnTemporal(loaded, dataDir, shutdown).then((server) => ((started.devServer = server), server.address)) : config.temporal.address,
      ownPostgres
        ? shutdown.start('PostgreSQL', startOwnPostgres(dataDir, config.database.embedded.port), (pg) => () => pg.stop()).then((pg) => ((started.postgres = pg), pg.url))
        : config.database.url,
      loadWorkflowCode(),
    ]),
  );
  const pool = await shutdown.start(undefined, openDatabase(config, databaseUrl, log, metrics), (opened) => () => opened.end());
  const temporal = temporalClient(config, temporalAddress);
  shutdown.onStop(undefined, () => temporal.connection.close());
  if (!ownTemporal) await shutdown.step(ensureSearchAttributes(temporal.connection, temporal.namespace, log));
  // Our own server may hold executions of an older release that this code cannot replay: they end here, and applying starts them afresh.
  if (ownTemporal) await shutdown.step(leaveOlderRelease(temporal, config.temporal.taskQueuePrefix, dataDir, log));
  // The demo first: the loops of the last run resume with the workers and must find it up.
  if (config.demo.enabled) {
    const demo = demoSettings(config);
    // Stopped even if its start failed or was cut short: it may have come up regardless.
    // Named 'the demo service' in the progress lines still (test/chaos/startup-signals.test.ts waits for them).
    const demoStart = await shutdown.start('the demo service', startDemo(demo), () => () => stopDemo(demo));
    if (!demoStart.ok) say(`the demo shop did not start (${demoStart.output}); set demo.enabled: false to skip it`);
  }
  // After the shop (its first scrapes find it up), before the workers (the triage tools read their sources once).
  const monitoring = await startLocalMonitoring(config, dataDir, shutdown, say);
  pointSourcesAtLocal(config, dataDir, monitoring);
  const onLost = (error: Error) => {
    if (shutdown.stopping) return;
    log.fatal({ err: error }, 'a worker stopped on its own; stopping');
    say(`a worker stopped on its own (${error.message}); stopping everything`);
    void shutdown.exit(1);
  };
  const workers = await shutdown.start(
    `the workers (finishing in-flight activities, up to ${seconds(config.worker.shutdownGraceMs)})`,
    startWorkerSet({ config, address: temporalAddress, pool, log, workflowCode, metrics, onLost, definitions: () => loadConfig({ dir: loaded.dir }).definitions }),
    (running) => () => running.stop(),
  );
  registerServiceStatusGauge(metrics, pool);
  registerDriftStatusGauge(metrics, pool, { client: temporal.client, workflowTaskQueue: taskQueues(config.temporal.taskQueuePrefix).workflows });
  const applied = await shutdown.step(applyDefinitions(loaded, temporal, log));
  // From here on the supervisor keeps every defined loop running (apply above reconfigured them).
  await shutdown.step(startSupervisor(temporal.client, config.temporal.taskQueuePrefix));
  // With no tokens configured, a laptop gets an admin token it can use at once.
  const admin = config.auth.tokens.length === 0 ? loadOrCreateAdminToken(dataDir, process.env) : adminTokenFromEnv(process.env);
  const tokens = apiTokens(config, log, [...(admin ? [apiToken('admin', 'admin', admin.secret)] : []), ...monitoring.tokens]);
  const api = await shutdown.start(
    `the API (draining requests, up to ${seconds(config.server.drainMs)})`,
    startApiServer({ config, pool, temporal, tokens, metrics, log, uiUrl: started.devServer?.uiUrl, configDir: loaded.dir }),
    (running) => () => running.close(),
  );
  // Not ready from the moment a worker stops (the process then stops and exits 1).
  api.readiness.require('workers', workers.allRunning);
  printBanner({ loaded, dataDir, api, devServer: started.devServer, temporalAddress, databaseUrl, ownPostgres, admin, applied, monitoring });
  // Operator commands run from here find the API without loading the config; the first thing a stop removes.
  const unannounce = announceApi(dataDir, { url: api.url, tokenFile: admin?.file, configDir: loaded.dir, pid: process.pid });
  shutdown.onStop(undefined, async () => unannounce());
  return started;
}

/** Crossing a release cut on the dev server `vigil up` runs (CHANGELOG.md, "Upgrading"). */
async function leaveOlderRelease(temporal: TemporalClientHandle, taskQueuePrefix: string, dataDir: string, log: Logger): Promise<void> {
  const version = vigilVersion();
  const cut = await crossReleaseCut({ client: temporal.client, workflowTaskQueue: taskQueues(taskQueuePrefix).workflows, stampFile: join(dataDir, 'release'), version });
  if (!cut.terminated) return;
  log.info({ from: cut.from, to: version, terminated: cut.terminated }, 'ended the executions of an older release');
  say(`upgraded ${cut.from ?? 'an earlier release'} -> ${version}: ended ${cut.terminated} running execution(s) of the older release; applying the definitions starts the loops again`);
}

async function stopLeftovers(dataDir: string, ownTemporal: boolean, ownPostgres: boolean): Promise<void> {
  if (ownTemporal && (await stopLeftover(join(dataDir, 'run', 'temporal.pid'), 'start-dev'))) say('stopped a Temporal dev server left over from an earlier run');
  if (ownPostgres && (await stopLeftoverPostgres(dataDir))) say('stopped a PostgreSQL left over from an earlier run');
}

async function checkPorts(loaded: LoadedConfig, ownTemporal: boolean, ownPostgres: boolean): Promise<void> {
  const { server, temporal, database } = loaded.config;
  const claims: PortClaim[] = [
    { host: server.host, port: server.port, setting: 'server.port', envName: 'VIGIL_SERVER__PORT' },
    { host: server.ops.host, port: server.ops.port, setting: 'server.ops.port', envName: 'VIGIL_SERVER__OPS__PORT' },
  ];
  if (ownTemporal) {
    const dev = temporal.devServer;
    claims.push({ host: dev.ip, port: dev.port, setting: 'temporal.devServer.port', envName: 'VIGIL_TEMPORAL__DEV_SERVER__PORT' });
    if (dev.ui) claims.push({ host: dev.ip, port: dev.uiPort, setting: 'temporal.devServer.uiPort', envName: 'VIGIL_TEMPORAL__DEV_SERVER__UI_PORT' });
  }
  if (ownPostgres) {
    claims.push({ host: '127.0.0.1', port: database.embedded.port, setting: 'database.embedded.port', envName: 'VIGIL_DATABASE__EMBEDDED__PORT' });
  }
  claims.push(...monitoringPortClaims(loaded.config));
  await assertPortsFree(claims);
}

async function startOwnTemporal(loaded: LoadedConfig, dataDir: string, shutdown: Shutdown): Promise<DevServer> {
  const dev = loaded.config.temporal.devServer;
  const server = {
    ip: dev.ip,
    port: dev.port,
    uiPort: dev.ui ? dev.uiPort : undefined,
    dbFile: dev.dbFile ? resolve(dev.dbFile) : join(dataDir, 'temporal.db'),
    namespace: loaded.config.temporal.namespace,
    logFile: join(dataDir, 'logs', 'temporal.log'),
  };
  const what = 'the Temporal dev server';
  let executable: string;
  try {
    // A download to wait for is no reason to hold up a stop: nothing runs yet.
    executable = await shutdown.step(provisionTemporalCli({ configured: dev.executable || undefined, dataDir, say }));
  } catch (error) {
    if (!(error instanceof TemporalCliNotFound) || dev.executable) throw error;
    say("no Temporal CLI could be installed; trying the Temporal SDK's own download (needs internet) ...");
    const download = startDevServerFromSdkDownload({ ...server, downloadDir: join(dataDir, 'bin') }).catch((sdkError: Error) => {
      throw new TemporalCliNotFound([...error.tried, `the Temporal SDK's download: ${sdkError.message.split('\n')[0]}`]);
    });
    return shutdown.start(what, download, (started) => () => started.stop());
  }
  say(`starting the Temporal dev server (${executable}) on ${dev.ip}:${dev.port} ...`);
  return shutdown.start(what, startDevServer({ ...server, executable, pidFile: join(dataDir, 'run', 'temporal.pid') }), (started) => () => started.stop());
}

async function startOwnPostgres(dataDir: string, port: number): Promise<RunningPostgres> {
  say(`starting embedded PostgreSQL on 127.0.0.1:${port} (data in ${join(dataDir, 'pg')}) ...`);
  return startEmbeddedPostgres({ dir: dataDir, port });
}

async function applyDefinitions(loaded: LoadedConfig, temporal: TemporalClientHandle, log: Logger): Promise<ApplyReport> {
  for (const problem of loaded.rejected) say(`skipped: ${formatProblem(problem)}`);
  const report = await applyServices({ client: temporal.client, taskQueuePrefix: loaded.config.temporal.taskQueuePrefix, services: loaded.definitions.services });
  log.info({ ...report }, 'services applied');
  const apps = await applyApps({ client: temporal.client, taskQueuePrefix: loaded.config.temporal.taskQueuePrefix, apps: loaded.definitions.apps });
  log.info({ ...apps }, 'drift apps applied');
  if (loaded.definitions.apps.length) say(`drift apps: ${loaded.definitions.apps.map((definition) => definition.name).join(', ')}`);
  return report;
}

function describeApply(report: ApplyReport, loaded: LoadedConfig): string {
  const watched = loaded.definitions.services.map((definition) => definition.name);
  if (!watched.length) return 'none defined (add them under configs/, see README)';
  const changes = [
    report.started.length && `${report.started.length} started`,
    report.reconfigured.length && `${report.reconfigured.length} reconfigured`,
    report.stopped.length && `${report.stopped.length} stopped`,
  ].filter(Boolean);
  return `${watched.join(', ')}${changes.length ? ` (${changes.join(', ')})` : ''}`;
}

function printBanner(info: {
  loaded: LoadedConfig;
  dataDir: string;
  api: RunningApi;
  devServer?: DevServer;
  temporalAddress: string;
  databaseUrl: string;
  ownPostgres: boolean;
  admin?: AdminToken;
  applied: ApplyReport;
  monitoring: LocalMonitoring;
}): void {
  const { api, devServer, admin, loaded } = info;
  const shown = (path: string) => {
    const fromCwd = relative(process.cwd(), path);
    return fromCwd && !fromCwd.startsWith('..') ? fromCwd : path;
  };
  const rows: [string, string][] = [
    ['API', `${api.url}/api/v1`],
    ['Dashboard', `${api.url}/`],
    ['API docs', `${api.url}/docs`],
    ['Ops', `${api.opsUrl}/metrics  ${api.opsUrl}/-/ready`],
    ['Temporal UI', devServer?.uiUrl ?? (loaded.config.temporal.uiUrl || '(not configured: temporal.uiUrl)')],
    ['Temporal', `${info.temporalAddress} (namespace ${loaded.config.temporal.namespace})${devServer ? ', dev server' : ''}`],
    ['PostgreSQL', `${redactUrl(info.databaseUrl)}${info.ownPostgres ? ' (embedded)' : ''}`],
    ['Data', info.dataDir],
    ['Logs', join(info.dataDir, 'logs')],
    ['Services', describeApply(info.applied, loaded)],
    ...(loaded.config.demo.enabled
      ? [['Demo shop', `http://127.0.0.1:${loaded.config.demo.ports.gateway}/api/checkout  (break it: npm run demo:fail -- errors; heal: npm run demo -- heal)`] as [string, string]]
      : []),
  ];
  rows.push(...monitoringRows(loaded, info.monitoring));
  if (admin) rows.push(['Admin token', admin.origin === 'env' ? '(from VIGIL_ADMIN_TOKEN)' : `${admin.secret}  (in ${shown(admin.file!)})`]);
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = ['', 'Vigil is up.', ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`), '', 'Press Ctrl-C to stop.', ''];
  process.stdout.write(lines.join('\n') + '\n');
}

/** Which Prometheus the triage tools query, and the local Alertmanager if one runs. */
function monitoringRows(loaded: LoadedConfig, monitoring: LocalMonitoring): [string, string][] {
  const { prometheusUrl } = loaded.config.llm.sources;
  const prometheus = monitoring.prometheus
    ? `${monitoring.prometheus.url}/alerts`
    : prometheusUrl
      ? `${prometheusUrl} (llm.sources.prometheusUrl)`
      : loaded.config.prometheus.enabled
        ? '(not running: see above)'
        : '(none: prometheus.enabled is false)';
  const rows: [string, string][] = [['Prometheus', prometheus]];
  if (monitoring.alertmanager) rows.push(['Alertmanager', `${monitoring.alertmanager.url}/  (alerts go to triage)`]);
  return rows;
}
