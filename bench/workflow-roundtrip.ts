// Workflow round trip on the dev server: how long from `client.workflow.execute`
// to the result, for selfCheckWorkflow (one activity that upserts a row into
// PostgreSQL), run by the project's own worker set. Starts its own in-memory
// Temporal dev server and embedded PostgreSQL on free 127.0.0.1 ports under a
// temp dir, and removes all of it on the way out.
//   npm run bench:workflow-roundtrip -- [--runs 200] [--warmup 20] [--concurrency 10] [--timeout-s 600] [--json]
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import pino from 'pino';
import { configFromObject } from '../lib/config/load';
import { migrate } from '../lib/db/migrate';
import { createPool } from '../lib/db/pool';
import { createLogger } from '../lib/log';
import { projectRoot } from '../lib/paths';
import { startEmbeddedPostgres } from '../lib/postgres/embedded';
import { provisionTemporalCli } from '../lib/temporal/cli-binary';
import { startDevServer } from '../lib/temporal/dev-server';
import { installTemporalRuntime } from '../lib/temporal/runtime';
import { freePort } from '../test/helpers/ports';
import { createWorkers, runWorkers, shutdownWorkers } from '../workers/create-workers';
import { bundleWorkflows } from '../workers/workflow-code';
import { selfCheckWorkflow } from '../workflows';
import { taskQueues, workflowIds } from '../workflows/messages';
import { describeMachine, intFlag, runBench, summarize, table, watchCpu, type Cleanup } from './lib';

const args = process.argv.slice(2);
const settings = {
  runs: intFlag(args, 'runs', 200),
  warmup: intFlag(args, 'warmup', 20),
  concurrency: intFlag(args, 'concurrency', 10),
};
const json = args.includes('--json');
const say = (line: string) => console.error(`[workflow-roundtrip] ${line}`);

/** Starts everything at once; whatever did start is registered for cleanup even if another part failed. */
async function startInfrastructure(cleanup: Cleanup, temporalCli: string, dir: string) {
  const [temporalPort, postgresPort] = [await freePort(), await freePort()];
  say(`starting Temporal dev server on 127.0.0.1:${temporalPort}, PostgreSQL on 127.0.0.1:${postgresPort}, bundling workflows`);
  const [temporal, postgres, bundle] = await Promise.allSettled([
    startDevServer({
      executable: temporalCli,
      ip: '127.0.0.1',
      port: temporalPort,
      namespace: 'default',
      logFile: join(dir, 'logs', 'temporal.log'),
      pidFile: join(dir, 'run', 'temporal.pid'),
    }),
    startEmbeddedPostgres({ dir, port: postgresPort }),
    bundleWorkflows(),
  ]);
  if (temporal.status === 'fulfilled') cleanup.defer('stop Temporal dev server', () => temporal.value.stop());
  if (postgres.status === 'fulfilled') cleanup.defer('stop PostgreSQL', () => postgres.value.stop());
  const value = <T>(part: PromiseSettledResult<T>): T => {
    if (part.status === 'rejected') throw part.reason;
    return part.value;
  };
  return { temporal: value(temporal), postgres: value(postgres), code: value(bundle).code };
}

void runBench({
  name: 'workflow-roundtrip',
  limitMs: intFlag(args, 'timeout-s', 600) * 1000,
  async body(cleanup) {
    const temporalCli = await provisionTemporalCli({ configured: process.env.VIGIL_TEMPORAL_CLI, dataDir: join(projectRoot(), '.vigil'), say });
    const machine = await describeMachine({ temporal: temporalCli });
    if (machine.cpuBusyPercent > 20) say(`warning: the CPU was ${machine.cpuBusyPercent}% busy before the bench started; figures will be skewed`);
    const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
    chmodSync(dir, 0o755); // embedded PostgreSQL runs as another user when we are root
    cleanup.defer('remove temp dir', () => rmSync(dir, { recursive: true, force: true }));
    const { temporal, postgres, code } = await startInfrastructure(cleanup, temporalCli, dir);

    const config = configFromObject({ log: { level: 'warn' } }, 'bench config');
    const pool = createPool({ url: postgres.url, schema: config.database.schema, max: config.database.poolMax });
    cleanup.defer('close pool', () => pool.end());
    await migrate(pool, config.database.schema);

    // Logs go to stderr so that --json leaves stdout to the result.
    const log = createLogger('warn', pino.destination(2));
    installTemporalRuntime(log);
    const workerConnection = await NativeConnection.connect({ address: temporal.address });
    cleanup.defer('close worker connection', () => workerConnection.close());
    const prefix = `bench-${randomBytes(3).toString('hex')}`;
    const workers = await createWorkers({
      connection: workerConnection,
      namespace: 'default',
      taskQueuePrefix: prefix,
      workflowCode: { code },
      workerConfig: { ...config.worker, shutdownGraceMs: 1_000 },
      deps: { pool, config, log },
    });
    const running = runWorkers(workers);
    cleanup.defer('stop workers', async () => {
      shutdownWorkers(workers);
      await running;
    });
    const workersStopped = running.then(() => Promise.reject(new Error('workers stopped before the bench finished')));
    workersStopped.catch(() => {}); // observed through the races below

    const connection = await Connection.connect({ address: temporal.address });
    cleanup.defer('close client connection', () => connection.close());
    const client = new Client({ connection, namespace: 'default' });
    const taskQueue = taskQueues(prefix).workflows;

    async function roundTrip(id: string): Promise<number> {
      const started = performance.now();
      await client.workflow.execute(selfCheckWorkflow, {
        taskQueue,
        workflowId: workflowIds.selfCheck(`${prefix}-${id}`),
        args: [{ requestedBy: 'bench' }],
        workflowExecutionTimeout: '30 seconds', // one stuck run fails the bench instead of hanging it
      });
      return performance.now() - started;
    }

    /** `count` round trips by `concurrency` callers: latencies, throughput, who used the CPU meanwhile. */
    async function phase(label: string, count: number, concurrency: number) {
      const latencies: number[] = [];
      let next = 0;
      const cpu = watchCpu();
      const started = performance.now();
      const caller = async () => {
        while (next < count) latencies.push(await roundTrip(`${label}-${next++}`));
      };
      await Promise.race([Promise.all(Array.from({ length: concurrency }, caller)), workersStopped]);
      const workflowsPerSecond = Math.round((10 * count) / ((performance.now() - started) / 1000)) / 10;
      return { ...summarize(latencies), workflowsPerSecond, cpu: cpu() };
    }

    say(`warming up (${settings.warmup} runs)`);
    await phase('warmup', settings.warmup, 1);
    say(`sequential: ${settings.runs} runs`);
    const sequential = await phase('seq', settings.runs, 1);
    say(`concurrent: ${settings.runs} runs, ${settings.concurrency} at a time`);
    const concurrent = await phase('conc', settings.runs, settings.concurrency);

    const { rows } = await pool.query<{ total: number; retried: number }>(
      "SELECT count(*)::int AS total, (count(*) FILTER (WHERE attempts > 1))::int AS retried FROM self_checks WHERE requested_by = 'bench'",
    );
    const expected = settings.warmup + 2 * settings.runs;
    if (rows[0].total !== expected) throw new Error(`expected ${expected} self_checks rows, found ${rows[0].total}`);

    const result = {
      bench: 'workflow-roundtrip',
      machine,
      settings,
      activityRetries: rows[0].retried,
      sequential,
      concurrent: { ...concurrent, concurrency: settings.concurrency },
    };
    if (json) {
      console.log(JSON.stringify(result, null, 2));
      return;
    }
    const m = machine;
    console.log(`date ${m.date} · nproc ${m.nproc} · ${m.cpuModel} · ${m.memoryGiB} GiB · node ${m.node} · ${m.temporal}`);
    console.log(`before start: load average ${m.loadAverage1m}, CPU ${m.cpuBusyPercent}% busy`);
    console.log(`selfCheckWorkflow start → result, after ${settings.warmup} warm-up runs; activity retries: ${result.activityRetries}\n`);
    const row = (name: string, s: typeof sequential) => [name, s.runs, s.medianMs, s.p90Ms, s.p99Ms, s.maxMs, s.workflowsPerSecond, `${s.cpu.ownPercent}/${s.cpu.othersPercent}`];
    console.log(
      table([
        ['phase', 'runs', 'median ms', 'p90 ms', 'p99 ms', 'max ms', 'workflows/s', 'CPU % bench/others'],
        row('sequential', result.sequential),
        row(`concurrency ${settings.concurrency}`, result.concurrent),
      ]),
    );
    const others = Math.max(sequential.cpu.othersPercent, concurrent.cpu.othersPercent);
    if (others > 10) console.log(`\nwarning: other processes used up to ${others}% of the CPU while measuring; figures are skewed`);
  },
});
