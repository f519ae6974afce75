// `vigil up` (npm start): the whole stack in one process tree on a laptop.
// Temporal dev server and PostgreSQL are started unless TEMPORAL_ADDRESS /
// DATABASE_URL point elsewhere; then migrations, a worker set and the API.
// Ctrl-C or SIGTERM stops everything in reverse order and exits 0.
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
import { formatProblem } from '../../lib/core/config/errors';
import { applyApps, applyServices, type ApplyReport } from '../../lib/client/apply';
import { startSupervisor } from '../../lib/client/supervise';
import type { Logger } from '../../lib/adapters/log';
import { loadWorkflowCode } from '../../workers/workflow-code';
import { adminTokenFromEnv, loadOrCreateAdminToken, type AdminToken } from '../admin-token';
import { demoSettings, startDemo, stopDemo } from '../demo-process';
import { assertPortsFree, type PortClaim } from '../ports';
import { onShutdownSignal } from '../process-signals';
import { apiTokens, ensureSearchAttributes, openDatabase, processLogger, startApiServer, startWorkerSet, temporalClient, type RunningWorkers, type TemporalClientHandle } from '../stack';

const say = (line: string) => process.stdout.write(`vigil: ${line}\n`);

export async function up(loaded: LoadedConfig): Promise<void> {
  const { config } = loaded;
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const runDir = join(dataDir, 'run');
  const ownTemporal = !config.temporal.address;
  const ownPostgres = !config.database.url;

  const lock = lockDataDir(dataDir);
  try {
    // A Vigil that was killed (not stopped) may have left its children running.
    if (ownTemporal && (await stopLeftover(join(runDir, 'temporal.pid'), 'start-dev'))) say('stopped a Temporal dev server left over from an earlier run');
    if (ownPostgres && (await stopLeftoverPostgres(dataDir))) say('stopped a PostgreSQL left over from an earlier run');
    await checkPorts(loaded, ownTemporal, ownPostgres);
  } catch (error) {
    lock.release();
    throw error;
  }

  const log = processLogger(config, join(dataDir, 'logs', 'vigil.log'));
  const metrics = createMetrics();
  let devServer: DevServer | undefined;
  let postgres: RunningPostgres | undefined;
  let temporal: TemporalClientHandle | undefined;
  let workers: RunningWorkers | undefined;
  let api: RunningApi | undefined;
  let pool: Awaited<ReturnType<typeof openDatabase>> | undefined;

  const demo = demoSettings(config);
  let demoStarted = false;
  let stopping = false;
  /** In reverse order of start; `progress` says each step (the user waits for it after Ctrl-C). */
  const stopAll = async (progress = false) => {
    stopping = true;
    const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
    const step = async (what: string, stop: (() => Promise<unknown>) | undefined) => {
      if (!stop) return;
      const startedAt = Date.now();
      if (progress) say(`stopping ${what} ...`);
      await stop();
      if (progress) say(`  done in ${seconds(Date.now() - startedAt)}`);
    };
    await step(`the API (draining requests, up to ${seconds(config.server.drainMs)})`, api && (() => api!.close()));
    await step(`the workers (finishing in-flight activities, up to ${seconds(config.worker.shutdownGraceMs)})`, workers && (() => workers!.stop()));
    await step('the demo service', demoStarted ? () => stopDemo(demo) : undefined);
    await pool?.end();
    await temporal?.connection.close();
    await step('PostgreSQL', postgres && (() => postgres!.stop()));
    await step('the Temporal dev server', devServer && (() => devServer!.stop()));
    lock.release();
    log.flush?.();
  };

  try {
    const [temporalAddress, databaseUrl, workflowCode] = await Promise.all([
      ownTemporal ? startOwnTemporal(loaded, dataDir).then((server) => ((devServer = server), server.address)) : config.temporal.address,
      ownPostgres ? startOwnPostgres(dataDir, config.database.embedded.port).then((pg) => ((postgres = pg), pg.url)) : config.database.url,
      loadWorkflowCode(),
    ]);
    pool = await openDatabase(config, databaseUrl, log, metrics);
    temporal = temporalClient(config, temporalAddress);
    if (!ownTemporal) await ensureSearchAttributes(temporal.connection, temporal.namespace, log);
    // The demo first: the loops of the last run resume with the workers and must find it up.
    if (config.demo.enabled) {
      const started = await startDemo(demo);
      demoStarted = started.ok;
      if (!started.ok) say(`the demo service did not start (${started.output}); set demo.enabled: false to skip it`);
    }
    workers = await startWorkerSet({ config, address: temporalAddress, pool, log, workflowCode, metrics, definitions: () => loadConfig({ dir: loaded.dir }).definitions });
    registerServiceStatusGauge(metrics, pool);
    registerDriftStatusGauge(metrics, pool, { client: temporal.client, workflowTaskQueue: taskQueues(config.temporal.taskQueuePrefix).workflows });
    // With no tokens configured, a laptop gets an admin token it can use at once.
    const admin = config.auth.tokens.length === 0 ? loadOrCreateAdminToken(dataDir, process.env) : adminTokenFromEnv(process.env);
    const tokens = apiTokens(config, log, admin ? [apiToken('admin', 'admin', admin.secret)] : []);
    api = await startApiServer({ config, pool, temporal, tokens, metrics, log, uiUrl: devServer?.uiUrl, configDir: loaded.dir });
    const applied = await applyDefinitions(loaded, temporal, log);
    // From here on the supervisor keeps every defined loop running (apply above reconfigured them).
    await startSupervisor(temporal.client, config.temporal.taskQueuePrefix);
    printBanner({ loaded, dataDir, api, devServer, temporalAddress, databaseUrl, ownPostgres, admin, applied });
  } catch (error) {
    await stopAll().catch(() => {});
    throw error;
  }

  const running = workers;
  onShutdownSignal(async (signal) => {
    say(`${signal}: stopping everything in order (press Ctrl-C again to exit without waiting)`);
    await stopAll(true);
    say('stopped');
  });
  // A worker that dies on its own takes the rest down with it: half a Vigil is worse than none.
  running.done.catch(async (error) => {
    log.fatal({ err: error }, 'worker failed; stopping');
    await stopAll().catch(() => {});
    process.exit(1);
  });
  // So does a child that dies on its own (the OOM killer, a kill by hand): the loops
  // would only retry against nothing while the banner still said "up".
  const onChildExit = (name: string, exited: Promise<number | string> | undefined, logFile: string) =>
    void exited?.then(async (code) => {
      if (stopping) return;
      log.fatal({ child: name, code }, `${name} exited; stopping`);
      say(`${name} exited on its own (${code}); stopping everything. Its log: ${logFile}`);
      await stopAll().catch(() => {});
      process.exit(1);
    });
  onChildExit('the Temporal dev server', devServer?.exited, join(dataDir, 'logs', 'temporal.log'));
  if (postgres) onChildExit('PostgreSQL', postgres.child.exited, postgres.child.logFile);
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
  await assertPortsFree(claims);
}

async function startOwnTemporal(loaded: LoadedConfig, dataDir: string): Promise<DevServer> {
  const dev = loaded.config.temporal.devServer;
  const server = {
    ip: dev.ip,
    port: dev.port,
    uiPort: dev.ui ? dev.uiPort : undefined,
    dbFile: dev.dbFile ? resolve(dev.dbFile) : join(dataDir, 'temporal.db'),
    namespace: loaded.config.temporal.namespace,
    logFile: join(dataDir, 'logs', 'temporal.log'),
  };
  let executable: string;
  try {
    executable = await provisionTemporalCli({ configured: dev.executable || undefined, dataDir, say });
  } catch (error) {
    if (!(error instanceof TemporalCliNotFound) || dev.executable) throw error;
    say("no Temporal CLI could be installed; trying the Temporal SDK's own download (needs internet) ...");
    return startDevServerFromSdkDownload({ ...server, downloadDir: join(dataDir, 'bin') }).catch((sdkError: Error) => {
      throw new TemporalCliNotFound([...error.tried, `the Temporal SDK's download: ${sdkError.message.split('\n')[0]}`]);
    });
  }
  say(`starting the Temporal dev server (${executable}) on ${dev.ip}:${dev.port} ...`);
  return startDevServer({ ...server, executable, pidFile: join(dataDir, 'run', 'temporal.pid') });
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
  const changes = [report.started.length && `${report.started.length} started`, report.reconfigured.length && `${report.reconfigured.length} reconfigured`, report.stopped.length && `${report.stopped.length} stopped`].filter(Boolean);
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
    ...(loaded.config.demo.enabled ? [['Demo', `http://127.0.0.1:${loaded.config.demo.port}/  (break it: npm run demo:fail -- crash)`] as [string, string]] : []),
  ];
  if (admin) rows.push(['Admin token', admin.origin === 'env' ? '(from VIGIL_ADMIN_TOKEN)' : `${admin.secret}  (in ${shown(admin.file!)})`]);
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = ['', 'Vigil is up.', ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`), '', 'Press Ctrl-C to stop.', ''];
  process.stdout.write(lines.join('\n') + '\n');
}
