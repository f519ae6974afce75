// `vigil-demo --port …`: the single demo service that came before the shop, still
// what the compose setup (docker/services/demo.yaml) and tests that need one small
// restartable process run (demo/ctl.ts sends a command here when it names a --port
// or DEMO_PORT). It runs in the background and can be told to fail. Port and
// directory default to Vigil's own settings (demo.port, <dataDir>/demo).
// Exit codes: 0 ok, 1 failure, 2 usage. Every command prints one line.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { toMs } from '../lib/core/duration';
import { projectRoot } from '../lib/adapters/paths';
import { spawnOwned, waitUntilReady } from '../lib/adapters/process/child';
import { isRunning, runningDemo } from './process';
import { FAILURE_MODES, PID_HEADER, isFailureMode, startDemoService } from './service';
import { UsageError } from './shop/cli';

const USAGE = `Usage: vigil-demo <command> [options]

Commands:
  start                     start the demo service in the background
  stop                      stop it (not running is fine)
  restart                   stop, then start (what Vigil's exec action runs)
  status                    exit 0 if running and healthy, 1 otherwise
  fail <mode> [--duration D]  make it fail: ${FAILURE_MODES.join(' | ')}
                            (D such as 30s; hang, error and slow recover after D)
  serve                     run it in the foreground (what start runs; containers)

Options (and environment):
  --host HOST   listen address (DEMO_HOST, default 127.0.0.1)
  --port PORT   port (DEMO_PORT, default demo.port of Vigil's configuration)
  --dir DIR     pid file and default log directory (DEMO_DIR, default <dataDir>/demo
                of Vigil's configuration)
  --log FILE    log file (DEMO_LOG, default DIR/demo.log)
  --config DIR  Vigil's configuration directory (VIGIL_CONFIG_DIR, default configs);
                its VIGIL_ env overrides apply (VIGIL_DEMO__PORT, VIGIL_DATA_DIR)
`;

const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;
const PROBE_TIMEOUT_MS = 2_000;

interface Settings {
  host: string;
  port: number;
  pidFile: string;
  logFile: string;
  url: string;
}

function settings(values: { host?: string; port?: string; dir?: string; log?: string; config?: string }): Settings {
  const env = (name: string) => process.env[name] || undefined; // set but empty counts as unset
  let vigil: { port: number; dir: string } | undefined;
  const fromVigil = () => (vigil ??= vigilSettings(values.config));
  const host = values.host ?? env('DEMO_HOST') ?? '127.0.0.1';
  const portText = values.port ?? env('DEMO_PORT') ?? String(fromVigil().port);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65_535) throw new UsageError(`not a port: ${portText}`);
  const dir = resolve(values.dir ?? env('DEMO_DIR') ?? fromVigil().dir);
  const logFile = resolve(values.log ?? env('DEMO_LOG') ?? join(dir, 'demo.log'));
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { host, port, pidFile: join(dir, 'demo.pid'), logFile, url };
}

/**
 * demo.port and <dataDir>/demo as the Vigil started from here sees them (vigil.yaml
 * and its VIGIL_ env overrides). Loaded only when an option does not say, and
 * with `require`: the config schema takes most of a second to load. Without a
 * config directory (a container running the demo alone), the settings' defaults.
 */
function vigilSettings(configDir: string | undefined): { port: number; dir: string } {
  const load = require('../lib/adapters/config/load') as typeof import('../lib/adapters/config/load');
  const dir = configDir ?? load.defaultConfigDir();
  const config = configDir === undefined && !existsSync(dir) ? load.configFromObject() : load.loadConfig({ dir, settingsOnly: true }).config;
  return { port: config.demo.port, dir: join(resolve(config.dataDir), 'demo') };
}

/** GET /healthz: the status and the pid that answered, or why there was no answer. */
async function probe(s: Settings): Promise<{ status: number; pid: number } | { error: string }> {
  try {
    const response = await fetch(`${s.url}/healthz`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    await response.arrayBuffer();
    return { status: response.status, pid: Number(response.headers.get(PID_HEADER)) };
  } catch (error) {
    const { name, cause } = error as Error & { cause?: { code?: string } };
    return { error: name === 'TimeoutError' ? `no answer within ${PROBE_TIMEOUT_MS / 1000} s` : (cause?.code ?? String(error)) };
  }
}

async function start(s: Settings): Promise<{ pid: number; already: boolean }> {
  const running = runningDemo(s.pidFile);
  if ('pid' in running) {
    const health = await probe(s);
    if ('status' in health && health.status === 200) return { pid: running.pid, already: true };
    throw new Error(`already running (pid ${running.pid}) but unhealthy; use restart`);
  }
  const bin = join(projectRoot(), 'bin', 'vigil-demo.js');
  const child = spawnOwned({
    name: 'demo service',
    command: process.execPath,
    args: [bin, 'serve', '--host', s.host, '--port', String(s.port), '--log', s.logFile],
    logFile: s.logFile,
    pidFile: s.pidFile,
  });
  const pid = child.process.pid;
  if (pid === undefined) throw new Error(`could not spawn ${process.execPath}: ${String(await child.exited)}`);
  // Ready means our child answers, not a leftover that holds the port.
  await waitUntilReady(
    child,
    async () => {
      const health = await probe(s);
      return 'status' in health && health.status === 200 && health.pid === pid;
    },
    START_TIMEOUT_MS,
  );
  child.process.unref();
  return { pid, already: false };
}

async function stop(s: Settings): Promise<{ pid?: number; killed: boolean }> {
  const running = runningDemo(s.pidFile);
  if (!('pid' in running)) return { killed: false };
  const { pid } = running;
  const gone = async (ms: number) => {
    for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(50)) if (!isRunning(pid)) return true;
    return !isRunning(pid);
  };
  process.kill(pid, 'SIGTERM');
  let killed = false;
  if (!(await gone(STOP_GRACE_MS))) {
    process.kill(pid, 'SIGKILL');
    killed = true;
    if (!(await gone(STOP_GRACE_MS))) throw new Error(`pid ${pid} survived SIGKILL`);
  }
  runningDemo(s.pidFile); // removes the now stale pid file
  return { pid, killed };
}

async function fail(s: Settings, mode: string | undefined, duration: string | undefined): Promise<string> {
  if (!isFailureMode(mode)) throw new UsageError(`fail needs a mode: ${FAILURE_MODES.join(', ')}`);
  let durationMs: number | undefined;
  if (duration !== undefined) {
    try {
      durationMs = /^\d+$/.test(duration) ? Number(duration) : toMs(duration);
    } catch {
      throw new UsageError(`not a duration: ${duration} (try 30s, 500ms, 2m)`);
    }
    if (durationMs <= 0) throw new UsageError(`duration must be positive: ${duration}`);
  }
  let response: Response;
  try {
    response = await fetch(`${s.url}/-/fail`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode, durationMs }),
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
  } catch (error) {
    throw new Error(`cannot reach ${s.url}: ${(error as { cause?: { code?: string } }).cause?.code ?? String(error)}`);
  }
  const body = await response.text();
  if (!response.ok) throw new Error(`${s.url}/-/fail answered ${response.status}: ${body}`);
  if (mode === 'crash') return `crash requested: pid ${response.headers.get(PID_HEADER)} exits with code 1`;
  if (mode === 'recover') return 'recovered: back to normal';
  return `failure mode ${mode} set${durationMs === undefined ? '' : ` for ${durationMs} ms`}`;
}

async function serve(s: Settings): Promise<void> {
  const service = await startDemoService({ host: s.host, port: s.port, logFile: s.logFile });
  const shutdown = () => {
    service.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', shutdown).once('SIGINT', shutdown);
}

/** The old single demo service's commands; `serve` returns -1 and stays up until a signal. */
export async function legacyMain(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      dir: { type: 'string' },
      log: { type: 'string' },
      config: { type: 'string' },
      duration: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const expectArgs = (count: number) => {
    if (rest.length > count) throw new UsageError(`unexpected argument: ${rest[count]}`);
  };
  const say = (line: string) => process.stdout.write(`demo: ${line}\n`);
  const s = settings(values);
  switch (command) {
    case 'start': {
      expectArgs(0);
      const { pid, already } = await start(s);
      say(`${already ? 'already running' : 'started'} (pid ${pid}) at ${s.url}`);
      return 0;
    }
    case 'stop': {
      expectArgs(0);
      const { pid, killed } = await stop(s);
      say(pid === undefined ? 'not running' : `stopped (pid ${pid}${killed ? `, killed after ${STOP_GRACE_MS / 1000} s` : ''})`);
      return 0;
    }
    case 'restart': {
      expectArgs(0);
      const stopped = await stop(s);
      const { pid } = await start(s);
      say(`restarted (pid ${stopped.pid ?? 'none'} → ${pid}) at ${s.url}`);
      return 0;
    }
    case 'status': {
      expectArgs(0);
      const running = runningDemo(s.pidFile);
      if (!('pid' in running)) {
        say(`not running${running.stale ? ` (pid ${running.stale} has exited)` : ''}`);
        return 1;
      }
      const health = await probe(s);
      const healthy = 'status' in health && health.status === 200;
      const why = 'status' in health ? `HTTP ${health.status}` : health.error;
      say(`${healthy ? 'healthy' : 'unhealthy'} (pid ${running.pid}, ${s.url}/healthz: ${why})`);
      return healthy ? 0 : 1;
    }
    case 'fail':
      expectArgs(1);
      say(await fail(s, rest[0], values.duration));
      return 0;
    case 'serve': // what `start` runs in the background
      expectArgs(0);
      await serve(s);
      return -1;
    case undefined:
      throw new UsageError('no command given');
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}
