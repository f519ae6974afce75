// Runs the Temporal CLI dev server (`temporal server start-dev`): SQLite file
// for durable laptop data (or in memory for tests), Web UI, Vigil's search
// attributes registered at start.
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_NAMES, SEARCH_ATTRIBUTES } from '../../../workflows/messages';
import { spawnOwned, stopOwned, waitUntilReady } from '../process/child';

export interface DevServerOptions {
  executable: string;
  ip: string;
  port: number;
  /** Omit for a headless server. */
  uiPort?: number;
  /** SQLite file; omit for an in-memory server (tests). */
  dbFile?: string;
  namespace: string;
  logFile: string;
  pidFile: string;
  startTimeoutMs?: number;
  /** More `temporal server start-dev` flags, e.g. --dynamic-config-value. */
  extraArgs?: string[];
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  /** Resolves with the exit code or signal when the server process ends (unknown for the SDK's download). */
  exited?: Promise<number | string>;
  stop(): Promise<void>;
}

/**
 * The history service reads each shard's task queues at most 20 times a second
 * by default, so every workflow and activity task waits up to 50 ms before it is
 * dispatched. A cluster spreads that over hundreds of shards; the dev server has
 * one, and a triage turn or a heal waits on it several times in a row (measured:
 * 38 ms per dispatch, 4 ms with this; docs/PERFORMANCE.md). Reads still happen
 * only when there is work, so an idle server stays idle. Visibility keeps its
 * default: reading it more often cost webhook intake about 15 % of its
 * throughput, and nothing waits on it.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: readonly string[] = ['history.transferProcessorMaxPollRPS=1000', 'history.timerProcessorMaxPollRPS=1000'];

const keyOf = (setting: string) => setting.split('=')[0];

/** Vigil's defaults, minus the keys that `extraArgs` sets itself. */
function dynamicConfigArgs(extraArgs: string[] = []): string[] {
  const overridden = new Set(extraArgs.flatMap((arg, index) => (extraArgs[index - 1] === '--dynamic-config-value' ? [keyOf(arg)] : [])));
  return DEV_SERVER_DYNAMIC_CONFIG.filter((setting) => !overridden.has(keyOf(setting))).flatMap((setting) => ['--dynamic-config-value', setting]);
}
const sqliteArgs = (dbFile: string | undefined) => ['--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', `synchronous=${dbFile ? 'NORMAL' : 'OFF'}`];

export function devServerArgs(options: DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', options.ip, '--port', String(options.port), '--log-level', 'warn'];
  args.push(...(options.uiPort ? ['--ui-port', String(options.uiPort)] : ['--headless']));
  if (options.namespace !== 'default') args.push('--namespace', options.namespace);
  for (const name of SEARCH_ATTRIBUTE_NAMES) args.push('--search-attribute', `${name}=Keyword`);
  // The dev server runs one history shard on one SQLite connection. WAL lets
  // readers and the writer overlap; synchronous=NORMAL keeps a laptop's data
  // durable across crashes of Vigil (not of the OS), OFF is for throwaway tests.
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  return [...args, ...sqliteArgs(options.dbFile), ...dynamicConfigArgs(options.extraArgs), ...(options.extraArgs ?? [])];
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const child = spawnOwned({
    name: 'Temporal dev server',
    command: options.executable,
    args: devServerArgs(options),
    logFile: options.logFile,
    pidFile: options.pidFile,
  });
  const address = `${options.ip}:${options.port}`;
  const stop = () => stopOwned(child, 'SIGTERM', 15_000);
  try {
    await waitUntilReady(child, () => namespaceAnswers(address, options.namespace), options.startTimeoutMs ?? 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  const uiUrl = options.uiPort ? `http://${options.ip}:${options.uiPort}` : undefined;
  return { address, uiUrl, exited: child.exited, stop };
}

/**
 * Last resort when the CLI can be neither found nor installed: the Temporal
 * SDK downloads the dev server itself (needs internet) and runs it.
 */
export async function startDevServerFromSdkDownload(options: Omit<DevServerOptions, 'executable' | 'pidFile'> & { downloadDir: string }): Promise<DevServer> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download', downloadDir: options.downloadDir },
      ip: options.ip,
      port: options.port,
      ui: Boolean(options.uiPort),
      uiPort: options.uiPort,
      dbFilename: options.dbFile,
      namespace: options.namespace,
      searchAttributes: Object.values(SEARCH_ATTRIBUTES),
      extraArgs: [...sqliteArgs(options.dbFile), ...dynamicConfigArgs()],
    },
  });
  return {
    address: `${options.ip}:${options.port}`,
    uiUrl: options.uiPort ? `http://${options.ip}:${options.uiPort}` : undefined,
    stop: () => env.teardown(),
  };
}

async function namespaceAnswers(address: string, namespace: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1_000 });
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return true;
  } finally {
    await connection.close();
  }
}
