// Heal overhead: from the instant a watched service starts failing to the
// instant its remediation reaches it, minus interval × failureThreshold (the
// wait the thresholds ask for). The target is a local HTTP server in this
// process: GET /health answers 200 or 503, POST /remediate records when the
// remediation request arrives and makes /health pass again, as a restart would.
// One health workflow (project worker set, one http check, a one-step ladder
// whose action is that POST) watches it on its own in-memory Temporal dev
// server and embedded PostgreSQL on free 127.0.0.1 ports under a temp dir; all
// of it is removed on the way out.
//   node --import tsx bench/heal-overhead.ts -- [--runs 30] [--warmup 3] [--interval-ms 200] [--threshold 2] [--timer-shift-ms N] [--dynamic-config KEY=VALUE]… [--timeout-s 600] [--json]
// --timer-shift-ms N starts the dev server with history.timerProcessorMaxTimeShift=N ms
// (default 1 s): below it, timers shorter than about 1 s fire after about 1 s.
//
// Phase: the bench flips the target to failing right after it has answered a
// check (200), so the failure always starts just after a check. Then exactly
// `threshold` failing checks are needed and the detection takes threshold ×
// interval by design; what the bench reports beyond that is Vigil's overhead
// (the loop's lateness per interval plus decision → action).
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HealthSpec } from '../lib/core/health/spec';
import { healthWorkflow } from '../workflows';
import { healthStatusQuery, taskQueues, workflowIds, type HealthStatusView } from '../workflows/messages';
import { startBenchStack } from './stack';
import { historyDelays, intFlag, runBench, summarize, table, watchCpu, type Cleanup, type LatencySummary } from './lib';

const args = process.argv.slice(2);
const settings = {
  runs: intFlag(args, 'runs', 30),
  warmup: intFlag(args, 'warmup', 3),
  intervalMs: intFlag(args, 'interval-ms', 200),
  threshold: intFlag(args, 'threshold', 2),
  settleMs: 100,
  /** history.timerProcessorMaxTimeShift for the dev server; omitted: the server's default (1 s), as `vigil up` runs it. */
  timerShiftMs: args.includes('--timer-shift-ms') ? intFlag(args, 'timer-shift-ms', 1_000) : undefined,
  /** More dev-server dynamic config (`--dynamic-config history.x=y`, repeatable), for experiments. */
  dynamicConfig: args.flatMap((arg, index) => (arg === '--dynamic-config' && args[index + 1] ? [args[index + 1]] : [])),
};
const json = args.includes('--json');
const say = (line: string) => console.error(`[heal-overhead] ${line}`);
/** The longest any one wait of a run may take before the bench gives up on it. */
const stepLimitMs = 10_000 + 10 * settings.intervalMs * (settings.threshold + 2);

/** One failure and its heal, in performance.now() milliseconds of this process. */
interface Episode {
  failedAt: number;
  failingChecks: number[];
  remediatedAt?: number;
  remediated: () => void;
}

/**
 * The watched service. Every check's arrival is logged; `arm()` makes the next
 * check pass and flips the target to failing right after answering it.
 */
async function startTarget(cleanup: Cleanup) {
  const checkArrivals: number[] = [];
  let failing = false;
  let armed: ((episode: Episode) => void) | undefined;
  let current: Episode | undefined;
  const server = createServer((request, response) => {
    const at = performance.now();
    if (request.method === 'GET' && request.url === '/health') {
      checkArrivals.push(at);
      if (failing) current?.failingChecks.push(at);
      response.writeHead(failing ? 503 : 200, { 'content-type': 'text/plain' }).end(failing ? 'failing\n' : 'ok\n');
      if (armed && !failing) {
        failing = true;
        const settle = armed;
        armed = undefined;
        let remediated = () => {};
        const done = new Promise<void>((resolve) => (remediated = resolve));
        current = { failedAt: performance.now(), failingChecks: [], remediated };
        settle(Object.assign(current, { done }));
      }
      return;
    }
    if (request.method === 'POST' && request.url === '/remediate') {
      if (current && current.remediatedAt === undefined) {
        current.remediatedAt = at;
        current.remediated();
      }
      failing = false; // the "restart" works
      request.resume();
      response.writeHead(200, { 'content-type': 'text/plain' }).end('restarted\n');
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  cleanup.defer('stop target server', () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve(undefined)));
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    checkArrivals,
    /** Resolves when the target has started failing, with the episode to watch. */
    arm: () => new Promise<Episode & { done: Promise<void> }>((resolve) => (armed = resolve as (episode: Episode) => void)),
  };
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

void runBench({
  name: 'heal-overhead',
  limitMs: intFlag(args, 'timeout-s', 600) * 1000,
  async body(cleanup) {
    // The timer queue never fires a timer earlier than "now + this shift" as of its creation: with the
    // default 1 s, every timer shorter than about 1 s fires after about 1 s.
    const timerShift = settings.timerShiftMs ? ['--dynamic-config-value', `history.timerProcessorMaxTimeShift="${settings.timerShiftMs}ms"`] : [];
    const more = settings.dynamicConfig.flatMap((setting) => ['--dynamic-config-value', setting]);
    const { machine, client, pool, prefix, workersStopped } = await startBenchStack(cleanup, { say, devServerArgs: [...timerShift, ...more] });
    const target = await startTarget(cleanup);

    // One loop for all runs, as a real service has: a health loop lives forever,
    // so a heal meets a warm workflow (cached on its worker, sticky queue) with
    // history behind it. A fresh workflow per run would add the start and first
    // rounds instead, which no real heal pays.
    const { intervalMs, threshold } = settings;
    const spec: HealthSpec = {
      service: `bench-heal-${prefix}`,
      checks: [{ name: 'http', intervalMs, spec: { type: 'http', url: `${target.url}/health`, timeoutMs: 1_000, expectedStatus: [200], retry: { retries: 0 } } }],
      ladder: [{ name: 'restart', settleMs: settings.settleMs, action: { type: 'http', method: 'POST', url: `${target.url}/remediate`, timeoutMs: 5_000, expectedStatus: [200] } }],
      maintenance: [],
      thresholds: { failureThreshold: threshold, successThreshold: 1 },
      limits: { cooldownMs: 0, maxActions: 1_000_000, windowMs: 15 * 60_000 },
      flapping: { transitions: 1_000_000, windowMs: 60_000 },
      dependsOn: [],
      labels: {},
    };
    const workflowId = workflowIds.health(spec.service);
    const handle = await client.workflow.start(healthWorkflow, {
      taskQueue: taskQueues(prefix).workflows,
      workflowId,
      args: [{ spec }],
      staticSummary: 'heal-overhead bench',
    });
    const firstRunId = handle.firstExecutionRunId;
    // Not terminated at the end: the in-memory dev server goes with everything on it, and a terminate
    // racing the loop's next workflow task only makes the worker log "Workflow task not found".

    const status = (): Promise<HealthStatusView> => handle.query(healthStatusQuery);
    /** Polls the loop's status until it has recovered from the last heal. */
    async function untilPassing(): Promise<HealthStatusView> {
      const deadline = performance.now() + stepLimitMs;
      for (;;) {
        const view = await status();
        if (view.status === 'healthy' || view.status === 'degraded') return view;
        if (performance.now() > deadline) throw new Error(`the loop did not report healthy within ${stepLimitMs} ms (status ${view.status})`);
        await sleep(Math.min(25, intervalMs / 4));
      }
    }

    interface Measured {
      rawMs: number;
      overheadMs: number;
      detectionMs: number;
      reactionMs: number;
      failingChecks: number;
    }
    async function heal(): Promise<Measured> {
      await untilPassing();
      const episode = await within(target.arm(), stepLimitMs, 'check to flip the target after');
      await within(episode.done, stepLimitMs, 'remediation');
      const remediatedAt = episode.remediatedAt!;
      const decisive = episode.failingChecks[threshold - 1] ?? Number.NaN;
      const rawMs = remediatedAt - episode.failedAt;
      return {
        rawMs,
        overheadMs: rawMs - intervalMs * threshold,
        detectionMs: decisive - episode.failedAt,
        reactionMs: remediatedAt - decisive,
        failingChecks: episode.failingChecks.length,
      };
    }

    say(`loop ${workflowId}: one http check every ${intervalMs} ms, failureThreshold ${threshold}, one-step ladder (POST /remediate)`);
    await within(untilPassing(), stepLimitMs, 'first healthy round');
    say(`warming up (${settings.warmup} heals)`);
    for (let run = 0; run < settings.warmup; run++) await Promise.race([heal(), workersStopped]);
    say(`measuring ${settings.runs} heals`);
    const measured: Measured[] = [];
    const checksBefore = target.checkArrivals.length;
    const cpu = watchCpu();
    for (let run = 0; run < settings.runs; run++) {
      measured.push(await Promise.race([heal(), workersStopped]));
      say(`heal ${run + 1}/${settings.runs}: overhead ${measured.at(-1)!.overheadMs.toFixed(1)} ms`);
    }
    const cpuShare = cpu();
    const finalView = await untilPassing();

    const arrivals = target.checkArrivals.slice(checksBefore);
    const periods = arrivals.slice(1).map((at, i) => at - arrivals[i]);
    const { rows } = await pool.query<{ status: string; count: number }>('SELECT status, count(*)::int AS count FROM remediation_actions WHERE service = $1 GROUP BY status', [spec.service]);
    const actions = Object.fromEntries(rows.map((row) => [row.status, row.count]));
    const description = await handle.describe();
    const history = await historyDelays(handle);
    const oddRuns = measured.filter((m) => m.failingChecks !== threshold).length;

    const result = {
      bench: 'heal-overhead',
      machine,
      settings,
      workflow: { id: workflowId, rounds: finalView.round, continuedAsNew: description.runId !== firstRunId },
      remediationActions: actions,
      runsWithOtherThanThresholdFailingChecks: oddRuns,
      overhead: summarize(measured.map((m) => m.overheadMs)),
      timeToRemediation: summarize(measured.map((m) => m.rawMs)),
      detection: summarize(measured.map((m) => m.detectionMs)),
      decisionToAction: summarize(measured.map((m) => m.reactionMs)),
      checkPeriod: summarize(periods),
      history,
      cpu: cpuShare,
      goal: { medianMs: 50, p99Ms: 250 },
    };
    const met = result.overhead.medianMs <= 50 && result.overhead.p99Ms <= 250;
    if (json) {
      console.log(JSON.stringify({ ...result, goalMet: met }, null, 2));
      return;
    }
    const m = machine;
    console.log(`date ${m.date} · nproc ${m.nproc} · ${m.cpuModel} · ${m.memoryGiB} GiB · node ${m.node} · ${m.temporal}`);
    console.log(`before start: load average ${m.loadAverage1m}, CPU ${m.cpuBusyPercent}% busy`);
    console.log(
      `one http check every ${intervalMs} ms, failureThreshold ${threshold}; target flipped right after a passing check; ` +
        `timerProcessorMaxTimeShift ${settings.timerShiftMs ? `${settings.timerShiftMs} ms` : 'server default (1 s)'}; ` +
        `${settings.dynamicConfig.length ? `dynamic config ${settings.dynamicConfig.join(' ')}; ` : ''}` +
        `${settings.warmup} warm-up heals; remediation actions: ${JSON.stringify(actions)}; loop rounds ${finalView.round}` +
        `${result.workflow.continuedAsNew ? ' (continued as new)' : ''}\n`,
    );
    const row = (name: string, s: LatencySummary) => [name, s.runs, s.medianMs, s.p90Ms, s.p99Ms, s.maxMs];
    console.log(
      table([
        ['measure', 'runs', 'median ms', 'p90 ms', 'p99 ms', 'max ms'],
        row(`overhead (raw − ${intervalMs}×${threshold})`, result.overhead),
        row('failure → remediation (raw)', result.timeToRemediation),
        row(`failure → failing check #${threshold}`, result.detection),
        row(`failing check #${threshold} → remediation`, result.decisionToAction),
        row('check period (arrival to arrival)', result.checkPeriod),
        row('history: timer fired − asked for', history.timerLateness),
        row('history: activity task dispatch', history.activityDispatch),
        row('history: workflow task dispatch', history.workflowTaskDispatch),
      ]),
    );
    console.log(`\nCPU while measuring: ${cpuShare.busyPercent}% busy, bench ${cpuShare.ownPercent}%, others ${cpuShare.othersPercent}%`);
    console.log(`goal (overhead median ≤ 50 ms, p99 ≤ 250 ms): ${met ? 'met' : 'not met'}`);
    if (oddRuns) console.log(`warning: ${oddRuns} runs saw other than ${threshold} failing checks before the remediation`);
    if (cpuShare.othersPercent > 10) console.log(`warning: other processes used ${cpuShare.othersPercent}% of the CPU while measuring; figures are skewed`);
  },
});
