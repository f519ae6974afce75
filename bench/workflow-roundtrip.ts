// Workflow round trip on the dev server: how long from `client.workflow.execute`
// to the result, for selfCheckWorkflow (one activity that upserts a row into
// PostgreSQL), run by the project's own worker set. Starts its own in-memory
// Temporal dev server and embedded PostgreSQL on free 127.0.0.1 ports under a
// temp dir, and removes all of it on the way out.
//   npm run bench:workflow-roundtrip -- [--runs 200] [--warmup 20] [--concurrency 10] [--timeout-s 600] [--json]
import { performance } from 'node:perf_hooks';
import { selfCheckWorkflow } from '../workflows';
import { taskQueues, workflowIds } from '../workflows/messages';
import { startBenchStack } from './stack';
import { intFlag, runBench, summarize, table, watchCpu } from './lib';

const args = process.argv.slice(2);
const settings = {
  runs: intFlag(args, 'runs', 200),
  warmup: intFlag(args, 'warmup', 20),
  concurrency: intFlag(args, 'concurrency', 10),
};
const json = args.includes('--json');
const say = (line: string) => console.error(`[workflow-roundtrip] ${line}`);

void runBench({
  name: 'workflow-roundtrip',
  limitMs: intFlag(args, 'timeout-s', 600) * 1000,
  async body(cleanup) {
    const { machine, client, pool, prefix, workersStopped } = await startBenchStack(cleanup, { say });
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
