// Fleet: N health loops (one per service, one http check each at a fixed
// interval) on one worker set and one dev server, against a local HTTP target
// that logs every check's arrival. Check lag = the time between two checks of
// the same service minus the interval: how late each check ran. Sizes grow in
// one run (100, then 400 more, then 500 more), each measured after it settles.
//   node --import tsx bench/fleet.ts -- [--sizes 100,500,1000] [--interval-s 10] [--settle-s 20] [--measure-s 60] [--timeout-s 1800] [--json]
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { healthWorkflow } from '../workflows';
import { taskQueues, workflowIds } from '../workflows/messages';
import { intFlag, runBench, summarize, table, watchCpu, type Cleanup, type CpuShare, type LatencySummary } from './lib';
import { httpCheckedService, startBenchStack } from './stack';

const args = process.argv.slice(2);
const sizesFlag = args[args.indexOf('--sizes') + 1];
const settings = {
  sizes: args.includes('--sizes') ? sizesFlag.split(',').map(Number) : [100, 500, 1000],
  intervalMs: intFlag(args, 'interval-s', 10) * 1000,
  settleMs: intFlag(args, 'settle-s', 20) * 1000,
  measureMs: intFlag(args, 'measure-s', 60) * 1000,
};
const json = args.includes('--json');
const say = (line: string) => console.error(`[fleet] ${line}`);

/** Answers GET /svc/<n> with 200 and logs when each service's checks arrive. */
async function startTarget(cleanup: Cleanup) {
  const arrivals = new Map<number, number[]>();
  const server = createServer((request, response) => {
    const at = performance.now();
    const match = /^\/svc\/(\d+)$/.exec(request.url ?? '');
    if (!match) return void response.writeHead(404).end();
    const service = Number(match[1]);
    (arrivals.get(service) ?? arrivals.set(service, []).get(service)!).push(at);
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  cleanup.defer('stop target server', () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve(undefined)));
  });
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, arrivals };
}

interface Phase {
  services: number;
  checks: number;
  checksPerSecond: number;
  lag: LatencySummary;
  /** Services with no check at all in the measuring window. */
  silent: number;
  cpu: CpuShare;
}

void runBench({
  name: 'fleet',
  limitMs: intFlag(args, 'timeout-s', 1800) * 1000,
  async body(cleanup) {
    const stack = await startBenchStack(cleanup, { say });
    const target = await startTarget(cleanup);
    const { intervalMs } = settings;
    const spec = (n: number) => httpCheckedService(`fleet-${n}`, `${target.url}/svc/${n}`, intervalMs);

    const phases: Phase[] = [];
    let started = 0;
    for (const size of settings.sizes) {
      // New loops start spread over one interval, as a real fleet's checks are not in phase.
      const adding = size - started;
      say(`starting ${adding} loops (to ${size}) over ${intervalMs / 1000} s`);
      const gapMs = intervalMs / Math.max(1, adding);
      const begin = performance.now();
      const starts: Promise<unknown>[] = [];
      for (let n = started; n < size; n++) {
        const due = begin + (n - started) * gapMs;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        starts.push(
          stack.client.workflow.start(healthWorkflow, {
            taskQueue: taskQueues(stack.prefix).workflows,
            workflowId: workflowIds.health(`fleet-${n}`),
            args: [{ spec: spec(n) }],
          }),
        );
      }
      await Promise.race([Promise.all(starts), stack.workersStopped]);
      started = size;
      say(`settling ${settings.settleMs / 1000} s, then measuring ${settings.measureMs / 1000} s`);
      await Promise.race([sleep(settings.settleMs), stack.workersStopped]);
      const from = performance.now();
      const cpu = watchCpu();
      await Promise.race([sleep(settings.measureMs), stack.workersStopped]);
      const to = performance.now();
      const share = cpu();
      const lags: number[] = [];
      let checks = 0;
      let silent = 0;
      for (let n = 0; n < size; n++) {
        const inWindow = (target.arrivals.get(n) ?? []).filter((at) => at >= from && at < to);
        checks += inWindow.length;
        if (!inWindow.length) silent += 1;
        // A period that began before the window still tells how late its second check was.
        const all = target.arrivals.get(n) ?? [];
        for (let i = 1; i < all.length; i++) if (all[i] >= from && all[i] < to) lags.push(all[i] - all[i - 1] - intervalMs);
      }
      const phase = { services: size, checks, checksPerSecond: Math.round((checks / ((to - from) / 1000)) * 10) / 10, lag: summarize(lags), silent, cpu: share };
      phases.push(phase);
      say(`${size} services: ${phase.checksPerSecond} checks/s, lag median ${phase.lag.medianMs} ms, p99 ${phase.lag.p99Ms} ms, CPU ${share.busyPercent}% (others ${share.othersPercent}%)`);
    }

    const result = { bench: 'fleet', machine: stack.machine, settings, phases, goal: { services: 1000, p99LagMs: 1000 } };
    const biggest = phases.find((phase) => phase.services === 1000);
    const met = biggest ? biggest.lag.p99Ms < 1000 && biggest.silent === 0 : undefined;
    if (json) {
      console.log(JSON.stringify({ ...result, goalMet: met }, null, 2));
      return;
    }
    const m = stack.machine;
    console.log(`date ${m.date} · nproc ${m.nproc} · ${m.cpuModel} · ${m.memoryGiB} GiB · node ${m.node} · ${m.temporal}`);
    console.log(`before start: load average ${m.loadAverage1m}, CPU ${m.cpuBusyPercent}% busy`);
    console.log(
      `one http check per service every ${intervalMs / 1000} s; one worker set, in-memory dev server, embedded PostgreSQL; settle ${settings.settleMs / 1000} s, measure ${settings.measureMs / 1000} s\n`,
    );
    console.log(
      table([
        ['services', 'checks/s', 'lag median ms', 'p90 ms', 'p99 ms', 'max ms', 'silent', 'CPU % busy/bench/others'],
        ...phases.map((p) => [p.services, p.checksPerSecond, p.lag.medianMs, p.lag.p90Ms, p.lag.p99Ms, p.lag.maxMs, p.silent, `${p.cpu.busyPercent}/${p.cpu.ownPercent}/${p.cpu.othersPercent}`]),
      ]),
    );
    if (met !== undefined) console.log(`\ngoal (1,000 services, p99 lag < 1 s): ${met ? 'met' : 'not met'}`);
    if (phases.some((p) => p.cpu.othersPercent > 10)) console.log('warning: other processes used more than 10% of the CPU in some phase; figures are skewed');
  },
});
