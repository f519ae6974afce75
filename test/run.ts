// `npm test`: starts one Temporal dev server (in memory, free ports) and one
// embedded PostgreSQL for the whole run, bundles the workflows once, then runs
// node's test runner over test/**/*.test.ts with their addresses in the env.
// Each test file takes its own schema and task queues (test/helpers/harness.ts).
// The tools some files need (Prometheus, Alertmanager, Chromium) are found or
// installed first (test/tools.ts), and every file has a time limit
// (TEST_FILE_TIMEOUT_MS, default 5 minutes): a file that hangs fails and
// the run goes on.
//   npm test                       all tests except e2e and chaos
//   npm run test:e2e / test:chaos  those suites
//   npm test -- test/config        only files under a path
//   npm test -- path/to/file.ts    that file, whatever its name
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { startEmbeddedPostgres } from '../lib/adapters/postgres/embedded';
import { provisionTemporalCli } from '../lib/adapters/temporal/cli-binary';
import { startDevServer } from '../lib/adapters/temporal/dev-server';
import { bundleWorkflows } from '../workers/workflow-code';
import { freePort } from './helpers/ports';
import { MissingTool, provisionTestTools } from './tools';

const root = resolve(__dirname, '..');

/** Suites of their own, run with their flag: `--e2e` (browser, Alertmanager), `--chaos` (outages of real processes). */
const SUITES = ['e2e', 'chaos'] as const;

function testFiles(filters: string[], suite: (typeof SUITES)[number] | undefined): string[] {
  const suiteOf = (file: string) => SUITES.find((name) => file.startsWith(join('test', name)));
  const all = readdirSync(join(root, 'test'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => join('test', file))
    .filter((file) => suiteOf(file) === suite)
    // Validations of the packaging files, with their own tools: `npm run test:packaging`.
    .filter((file) => !file.startsWith(join('test', 'packaging')))
    .sort();
  if (!filters.length) return all;
  // A file named outright runs whatever its name (the harness's own tests use that).
  const named = filters.filter((filter) => existsSync(filter) && statSync(filter).isFile()).map((filter) => relative(root, resolve(filter)));
  return [...new Set([...named, ...all.filter((file) => filters.some((filter) => file.startsWith(relative(root, resolve(filter)))))])];
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const filters = args.filter((arg) => !arg.startsWith('--'));
  // `npm test -- test/chaos` means the chaos suite, as `npm run test:chaos` does.
  const named = filters.length ? SUITES.find((name) => filters.every((filter) => relative(root, resolve(filter)).startsWith(join('test', name)))) : undefined;
  const suite = SUITES.find((name) => args.includes(`--${name}`)) ?? named;
  const files = testFiles(filters, suite);
  if (!files.length) {
    console.error('no test files matched');
    return 1;
  }
  const say = (line: string) => console.log(`[harness] ${line}`);
  provisionTestTools(root, files, say);
  const fileTimeoutMs = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 300_000);
  const temporalCli = await provisionTemporalCli({ configured: process.env.VIGIL_TEMPORAL_CLI, dataDir: join(root, '.vigil'), say });
  const tmp = mkdtempSync(join(tmpdir(), 'vigil-test-'));
  chmodSync(tmp, 0o755); // embedded PostgreSQL runs as another user when we are root
  const [temporalPort, postgresPort] = [await freePort(), await freePort()];
  say(`starting Temporal dev server (${temporalCli}) on 127.0.0.1:${temporalPort} and PostgreSQL on ${postgresPort}`);
  const started = await Promise.allSettled([
    startDevServer({
      executable: temporalCli,
      ip: '127.0.0.1',
      port: temporalPort,
      namespace: 'default',
      logFile: join(tmp, 'logs', 'temporal.log'),
      pidFile: join(tmp, 'run', 'temporal.pid'),
    }),
    startEmbeddedPostgres({ dir: tmp, port: postgresPort }),
    bundleWorkflows(),
  ] as const);
  const [temporalStart, postgresStart, bundleStart] = started;
  if (temporalStart.status === 'rejected' || postgresStart.status === 'rejected' || bundleStart.status === 'rejected') {
    if (temporalStart.status === 'fulfilled') await temporalStart.value.stop();
    if (postgresStart.status === 'fulfilled') await postgresStart.value.stop();
    rmSync(tmp, { recursive: true, force: true });
    throw started.find((result) => result.status === 'rejected')!.reason;
  }
  const [temporal, postgres, bundle] = [temporalStart.value, postgresStart.value, bundleStart.value];
  const bundlePath = join(tmp, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  say(`ready; running ${files.length} test files`);
  try {
    return await new Promise<number>((resolveExit) => {
      const child = spawn(
        process.execPath,
        // Chaos files one at a time: each stops and starts real servers and measures how fast
        // things recover, which another file's load would blur.
        // --test-timeout bounds each file's process (and, inherited, each test in it).
        ['--import', 'tsx', '--test', `--test-concurrency=${suite === 'chaos' ? 1 : 2}`, `--test-timeout=${fileTimeoutMs}`, '--test-reporter=spec', ...files],
        {
          cwd: root,
          stdio: 'inherit',
          env: {
            ...process.env,
            TEST_VIGIL_TEMPORAL_ADDRESS: temporal.address,
            TEST_VIGIL_DATABASE_URL: postgres.url,
            TEST_VIGIL_WORKFLOW_BUNDLE: bundlePath,
            TEST_VIGIL_TEMPORAL_CLI: temporalCli,
            TEST_VIGIL_TMP: tmp,
          },
        },
      );
      const forward = (signal: NodeJS.Signals) => child.kill(signal);
      process.once('SIGINT', forward).once('SIGTERM', forward);
      child.once('exit', (code, signal) => resolveExit(code ?? (signal ? 1 : 0)));
    });
  } finally {
    await Promise.all([temporal.stop(), postgres.stop()]);
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof MissingTool ? `[harness] ${error.message}` : error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
