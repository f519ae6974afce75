// The dashboard's feed: what one rebuild of the overview costs (GET
// /api/v1/overview, and what each API process does every server.events.pollMs
// while an event stream is open) as the fleet grows. N health loops (one http
// check each every --interval-s) on one worker set, in-memory dev server and
// embedded PostgreSQL; once Temporal's visibility lists all N, the overview is
// built --polls times in a row and timed, and its size as one event is noted.
//   node --import tsx bench/overview.ts -- [--sizes 100,1000] [--polls 30] [--interval-s 60] [--timeout-s 1200] [--json]
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiDeps } from '../api/deps';
import { buildOverview } from '../api/views/overview';
import { createLogger } from '../lib/adapters/log';
import { createMetrics } from '../lib/adapters/metrics';
import { healthWorkflow } from '../workflows';
import { taskQueues, workflowIds } from '../workflows/messages';
import { intFlag, runBench, summarize, table, type LatencySummary } from './lib';
import { httpCheckedService, startBenchStack } from './stack';

const args = process.argv.slice(2);
const settings = {
  sizes: args.includes('--sizes') ? args[args.indexOf('--sizes') + 1].split(',').map(Number) : [100, 1000],
  polls: intFlag(args, 'polls', 30),
  intervalMs: intFlag(args, 'interval-s', 60) * 1000,
};
const json = args.includes('--json');
const say = (line: string) => console.error(`[overview] ${line}`);

interface Phase {
  services: number;
  build: LatencySummary;
  eventBytes: number;
}

void runBench({
  name: 'overview',
  limitMs: intFlag(args, 'timeout-s', 1200) * 1000,
  async body(cleanup) {
    const stack = await startBenchStack(cleanup, { say });
    const target = createServer((_request, response) => response.end('ok\n'));
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    cleanup.defer('stop target', () => new Promise((resolve) => target.close(() => resolve(undefined))));
    const url = `http://127.0.0.1:${(target.address() as { port: number }).port}/`;
    const queues = taskQueues(stack.prefix);
    const deps: ApiDeps = {
      config: stack.config,
      pool: stack.pool,
      temporal: { client: stack.client, connection: stack.connection, namespace: 'default', address: stack.address, taskQueues: queues, uiUrl: 'http://127.0.0.1:8233' },
      tokens: [],
      metrics: createMetrics(),
      log: createLogger('silent'),
      version: 'bench',
    };
    const spec = (n: number) => httpCheckedService(`svc-${n}`, url, settings.intervalMs);

    const phases: Phase[] = [];
    let started = 0;
    for (const size of settings.sizes) {
      say(`starting loops ${started}…${size - 1}`);
      for (let n = started; n < size; n += 50) {
        const batch = Array.from({ length: Math.min(50, size - n) }, (_, offset) =>
          stack.client.workflow.start(healthWorkflow, { taskQueue: queues.workflows, workflowId: workflowIds.health(`svc-${n + offset}`), args: [{ spec: spec(n + offset) }] }),
        );
        await Promise.race([Promise.all(batch), stack.workersStopped]);
      }
      started = size;
      let listed = 0;
      for (let attempt = 0; attempt < 600 && listed < size; attempt++) {
        listed = (await buildOverview(deps)).services.filter((service) => service.status !== 'unknown').length;
        if (listed < size) await Promise.race([sleep(1_000), stack.workersStopped]);
      }
      say(`${listed} of ${size} services listed with a status; timing ${settings.polls} rebuilds`);
      const times: number[] = [];
      let eventBytes = 0;
      for (let poll = 0; poll < settings.polls; poll++) {
        const at = performance.now();
        const overview = await buildOverview(deps);
        times.push(performance.now() - at);
        eventBytes = Buffer.byteLength(`event: overview\ndata: ${JSON.stringify(overview)}\n\n`);
      }
      phases.push({ services: size, build: summarize(times), eventBytes });
    }

    if (json) {
      console.log(JSON.stringify({ bench: 'overview', machine: stack.machine, settings, phases }, null, 2));
      return;
    }
    const m = stack.machine;
    console.log(`date ${m.date} · nproc ${m.nproc} · ${m.cpuModel} · ${m.memoryGiB} GiB · node ${m.node} · ${m.temporal}`);
    console.log(`before start: load average ${m.loadAverage1m}, CPU ${m.cpuBusyPercent}% busy`);
    console.log(`one overview rebuild (Temporal visibility for services and drift, PostgreSQL for triages and actions), ${settings.polls} in a row per size\n`);
    console.log(
      table([
        ['services', 'median ms', 'p90 ms', 'p99 ms', 'max ms', 'event KiB'],
        ...phases.map((p) => [p.services, p.build.medianMs, p.build.p90Ms, p.build.p99Ms, p.build.maxMs, Math.round(p.eventBytes / 102.4) / 10]),
      ]),
    );
  },
});
