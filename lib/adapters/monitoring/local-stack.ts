// Runs the Prometheus and Alertmanager of `vigil up` as owned children
// (lib/adapters/process/child.ts): their own process group, a pid file under
// <dataDir>/run, data and config under <dataDir>/prometheus and
// <dataDir>/alertmanager. The config file's path is on each command line and is
// what marks a leftover as ours: a second Vigil with another dataDir never
// mistakes the first one's processes for its own.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnOwned, stopLeftover, stopOwned, waitUntilReady } from '../process/child';

/** Long enough to look back over a demo session or a night, short enough to stay small on a laptop. */
export const LOCAL_RETENTION = '2d';
const RESEND_DELAY = '5s';

export interface LocalProcess {
  /** http://host:port */
  url: string;
  /** host:port, for a config that points at it. */
  address: string;
  logFile: string;
  exited: Promise<number | string>;
  stop(): Promise<void>;
}

interface Paths {
  dir: string;
  configFile: string;
  pidFile: string;
  logFile: string;
}

export function prometheusPaths(dataDir: string): Paths {
  const dir = join(dataDir, 'prometheus');
  return { dir, configFile: join(dir, 'prometheus.yml'), pidFile: join(dataDir, 'run', 'prometheus.pid'), logFile: join(dataDir, 'logs', 'prometheus.log') };
}

export function alertmanagerPaths(dataDir: string): Paths & { tokenFile: string } {
  const dir = join(dataDir, 'alertmanager');
  return {
    dir,
    configFile: join(dir, 'alertmanager.yml'),
    tokenFile: join(dir, 'token'),
    pidFile: join(dataDir, 'run', 'alertmanager.pid'),
    logFile: join(dataDir, 'logs', 'alertmanager.log'),
  };
}

export interface StartOptions {
  executable: string;
  dataDir: string;
  host?: string;
  port: number;
  /** The YAML text (lib/core/monitoring/local-stack.ts). */
  config: string;
  startTimeoutMs?: number;
}

export async function startLocalPrometheus(options: StartOptions): Promise<LocalProcess> {
  const paths = prometheusPaths(options.dataDir);
  const address = `${options.host ?? '127.0.0.1'}:${options.port}`;
  const args = [
    `--config.file=${paths.configFile}`,
    `--storage.tsdb.path=${join(paths.dir, 'data')}`,
    `--storage.tsdb.retention.time=${LOCAL_RETENTION}`,
    `--web.listen-address=${address}`,
    // The links in its alerts (generatorURL) and pages: the address it listens on, not the host name.
    `--web.external-url=http://${address}/`,
    // An alert that fires before Prometheus has found its Alertmanager (its first seconds) is dropped and,
    // by default, sent again only a minute later: a demo fault would wait that long to reach triage.
    `--rules.alert.resend-delay=${RESEND_DELAY}`,
  ];
  return startOwnedServer('Prometheus', options, paths, args, address);
}

export async function startLocalAlertmanager(options: StartOptions): Promise<LocalProcess> {
  const paths = alertmanagerPaths(options.dataDir);
  const address = `${options.host ?? '127.0.0.1'}:${options.port}`;
  // An empty cluster address: no gossip port, so nothing listens beyond the one port of the settings.
  const args = [`--config.file=${paths.configFile}`, `--storage.path=${join(paths.dir, 'data')}`, `--web.listen-address=${address}`, '--cluster.listen-address='];
  return startOwnedServer('Alertmanager', options, paths, args, address);
}

async function startOwnedServer(name: string, options: StartOptions, paths: Paths, args: string[], address: string): Promise<LocalProcess> {
  mkdirSync(paths.dir, { recursive: true });
  writeFileSync(paths.configFile, options.config);
  const child = spawnOwned({ name, command: options.executable, args, logFile: paths.logFile, pidFile: paths.pidFile });
  const url = `http://${address}`;
  const stop = () => stopOwned(child, 'SIGTERM', 10_000);
  try {
    await waitUntilReady(child, async () => (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) })).ok, options.startTimeoutMs ?? 30_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, address, logFile: paths.logFile, exited: child.exited, stop };
}

/** Stops a Prometheus or Alertmanager that a killed Vigil on this dataDir left running; returns the names of those it stopped. */
export async function stopLeftoverMonitoring(dataDir: string): Promise<string[]> {
  const stopped: string[] = [];
  for (const [name, paths] of [
    ['Prometheus', prometheusPaths(dataDir)],
    ['Alertmanager', alertmanagerPaths(dataDir)],
  ] as const) {
    if (await stopLeftover(paths.pidFile, paths.configFile)) stopped.push(name);
  }
  return stopped;
}

/**
 * The bearer token the local Alertmanager presents to Vigil's webhook: its own,
 * with the operate role that starting a triage needs, created once (mode 0600).
 * Not the admin token: that one may live only in VIGIL_ADMIN_TOKEN (no file
 * for credentials_file) or not exist at all when auth.tokens are configured.
 */
export function loadOrCreateAlertmanagerToken(dataDir: string): { secret: string; file: string } {
  const file = alertmanagerPaths(dataDir).tokenFile;
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret) return { secret, file };
  }
  mkdirSync(alertmanagerPaths(dataDir).dir, { recursive: true });
  const secret = `vgl_am_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { secret, file };
}
