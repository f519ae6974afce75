// Runs the real `vigil` command as a child process, the way a user does.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './ports';
import { testEnvironment } from './harness';

const ROOT = resolve(__dirname, '..', '..');
const VIGIL = join(ROOT, 'bin', 'vigil.js');

export interface VigilPorts {
  api: number;
  ops: number;
  temporal: number;
  temporalUi: number;
  postgres: number;
}

export async function freeVigilPorts(): Promise<VigilPorts> {
  return { api: await freePort(), ops: await freePort(), temporal: await freePort(), temporalUi: await freePort(), postgres: await freePort() };
}

/** Env for `vigil up` on its own ports and data dir, without anything inherited that points elsewhere. */
export function upEnv(dataDir: string, ports: VigilPorts, temporalCli: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VIGIL_') && !['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'DATABASE_URL'].includes(name)));
  return {
    ...inherited,
    VIGIL_DATA_DIR: dataDir,
    VIGIL_SERVER__PORT: String(ports.api),
    VIGIL_SERVER__OPS__PORT: String(ports.ops),
    VIGIL_TEMPORAL__DEV_SERVER__PORT: String(ports.temporal),
    VIGIL_TEMPORAL__DEV_SERVER__UI_PORT: String(ports.temporalUi),
    VIGIL_DATABASE__EMBEDDED__PORT: String(ports.postgres),
    VIGIL_TEMPORAL_CLI: temporalCli,
    VIGIL_LOG__LEVEL: 'warn',
    // Only the settings file: no services (they would watch the demo's fixed port), no demo.
    VIGIL_CONFIG_DIR: settingsOnlyConfigDir(),
    VIGIL_DEMO__ENABLED: 'false',
    // No Prometheus or Alertmanager of its own (fixed ports, seconds of start): tests that want them say so in `extra`.
    VIGIL_PROMETHEUS__ENABLED: 'false',
    VIGIL_ALERTMANAGER__ENABLED: 'false',
    ...extra,
  };
}

let settingsOnly: string | undefined;
function settingsOnlyConfigDir(): string {
  if (!settingsOnly) {
    settingsOnly = mkdtempSync(join(tmpdir(), 'vigil-configs-'));
    copyFileSync(join(ROOT, 'configs', 'vigil.yaml'), join(settingsOnly, 'vigil.yaml'));
  }
  return settingsOnly;
}

export interface VigilRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

export function runVigil(args: string[], env: NodeJS.ProcessEnv): VigilRun {
  const child = spawn(process.execPath, [VIGIL, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (err += chunk));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs an operator command (`vigil service list`, …) to the end against `apiUrl`
 * with `token`, env as a user would have it: nothing inherited that points
 * elsewhere, and an `env` value of undefined unsets the variable.
 */
export async function runOperator(args: string[], target: { apiUrl: string; token: string; configDir?: string }, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VIGIL_')));
  const merged = { ...inherited, VIGIL_CONFIG_DIR: target.configDir ?? settingsOnlyConfigDir(), VIGIL_API_URL: target.apiUrl, VIGIL_TOKEN: target.token, ...env };
  const run = runVigil(args, Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined)));
  // 'exit' can come before the pipes are drained; 'close' comes after.
  const closed = new Promise((resolveClose) => run.child.once('close', resolveClose));
  const code = await run.exited;
  await closed;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** Waits for the banner's last line; fails with the output if vigil exits or takes too long. */
export async function waitForBanner(run: VigilRun, timeoutMs = 120_000): Promise<Record<string, string>> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void run.exited.then((code) => (exitCode = code));
  while (!run.stdout().includes('Press Ctrl-C to stop.')) {
    if (exitCode !== undefined || Date.now() > deadline) {
      run.child.kill('SIGKILL');
      throw new Error(`vigil up did not come up (exit ${exitCode}):\n${run.stdout()}\n${run.stderr()}`);
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
  return parseBanner(run.stdout());
}

/** `  API          http://…` lines → { API: 'http://…' } */
export function parseBanner(stdout: string): Record<string, string> {
  const banner = stdout.slice(stdout.indexOf('Vigil is up.'));
  const rows: Record<string, string> = {};
  for (const line of banner.split('\n')) {
    const match = /^ {2}(\S+(?: \S+)?) {2,}(.+)$/.exec(line);
    if (match) rows[match[1]] = match[2].trim();
  }
  return rows;
}

/** Pids of live processes whose command line mentions `text` (our data dir, say). */
export function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      if (cmdline.includes(text) && state !== 'Z') pids.push(Number(entry));
    } catch {
      // gone while we looked
    }
  }
  return pids;
}

/** The env of a `vigil worker` child process on the test run's Temporal and PostgreSQL, with only these VIGIL_* settings. */
export function workerProcessEnv(options: { schema: string; prefix: string; opsPort: number; extra?: Record<string, string> }): NodeJS.ProcessEnv {
  const { temporalAddress, databaseUrl } = testEnvironment();
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VIGIL_')));
  return {
    ...inherited,
    TEMPORAL_ADDRESS: temporalAddress,
    DATABASE_URL: databaseUrl,
    VIGIL_DATABASE__SCHEMA: options.schema,
    VIGIL_TEMPORAL__TASK_QUEUE_PREFIX: options.prefix,
    VIGIL_LOG__LEVEL: 'warn',
    VIGIL_SERVER__OPS__PORT: String(options.opsPort),
    ...options.extra,
  };
}
