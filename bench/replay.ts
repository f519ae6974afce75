// Replay time of the biggest history a health loop reaches before it continues as
// new: after a worker restart every loop's history is replayed, and a slow replay
// (8-28 s per task was seen with 100-260 KB histories, issue 18) stalls its checks
// past the workflow task timeout. Builds that history on a real dev server and
// worker (a realistic spec: 3 checks, a log watch and a metric policy, with a check
// that flaps so the service changes status and is never quietly watched, the
// costliest case), then times Worker.runReplayHistory on the first run's history.
// Intervals are scaled down (--interval-ms, 10 s in production) so that the run
// fills in a minute or two: the events of a round are the same at any interval.
//   npm run bench:replay -- [--interval-ms 250] [--replays 5] [--timeout-s 600] [--json]
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from '@temporalio/worker';
import type { HealthSpec } from '../lib/core/health/spec';
import { healthWorkflow } from '../workflows';
import { taskQueues, workflowIds } from '../workflows/messages';
import { bundleWorkflows } from '../workers/workflow-code';
import { intFlag, runBench, summarize, table } from './lib';
import { httpCheckedService, startBenchStack } from './stack';

const args = process.argv.slice(2);
const intervalMs = intFlag(args, 'interval-ms', 250);
const replays = intFlag(args, 'replays', 5);
const json = args.includes('--json');
const say = (line: string) => console.error(`[replay] ${line}`);

void runBench({
  name: 'replay',
  limitMs: intFlag(args, 'timeout-s', 600) * 1000,
  async body(cleanup) {
    const [{ machine, client, prefix, workersStopped }, { code }] = await Promise.all([startBenchStack(cleanup, { say }), bundleWorkflows()]);
    // /flappy fails for 4 rounds out of every 20: a transition down and one back up each time.
    let requests = 0;
    const server = createServer((request, response) => {
      const flappy = request.url === '/flappy' && Math.floor(requests++ / 4) % 5 === 4;
      response.statusCode = flappy ? 503 : 200;
      response.end(flappy ? 'down' : 'ok');
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    cleanup.defer('close the checked service', () => new Promise<void>((closed) => server.close(() => closed())));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-replay-'));
    cleanup.defer('remove log dir', () => rmSync(dir, { recursive: true, force: true }));
    const logFile = join(dir, 'app.log');
    appendFileSync(logFile, 'started\n');

    const service = `${prefix}-replay`;
    const checks = ['healthz', 'ready', 'flappy'].map((path) => ({ ...httpCheckedService(service, `${base}/${path}`, intervalMs).checks[0], name: path }));
    const spec: HealthSpec = {
      ...httpCheckedService(service, base, intervalMs),
      checks,
      thresholds: { failureThreshold: 2, successThreshold: 2 },
      logs: [{ name: 'errors', intervalMs, spec: { path: logFile, patterns: [{ name: 'error', regex: 'ERROR' }], threshold: { count: 5, withinMs: 60_000 } } }],
      metrics: [{ name: 'latency', intervalMs: intervalMs * 3, windowMs: 60_000, condition: { aggregate: 'avg', metric: 'latency_ms', labels: {}, op: '>', threshold: 500, forMs: 0 } }],
    };
    say(`watching ${service}: 3 checks and a log watch every ${intervalMs} ms, a metric policy every ${intervalMs * 3} ms, until the first run continues as new`);
    const handle = await client.workflow.start(healthWorkflow, { taskQueue: taskQueues(prefix).workflows, workflowId: workflowIds.health(service), args: [{ spec }] });
    cleanup.defer('terminate the loop', () =>
      client.workflow
        .getHandle(handle.workflowId)
        .terminate('bench done')
        .then(
          () => undefined,
          () => undefined,
        ),
    );
    const firstRun = handle.firstExecutionRunId;
    const started = performance.now();
    for (;;) {
      await Promise.race([new Promise((tick) => setTimeout(tick, 2_000)), workersStopped]);
      const description = await client.workflow.getHandle(handle.workflowId).describe();
      if (description.runId !== firstRun) break;
      say(`${description.historyLength} events after ${Math.round((performance.now() - started) / 1000)} s`);
    }
    const history = await client.workflow.getHandle(handle.workflowId, firstRun).fetchHistory();
    const events = history.events?.length ?? 0;
    // The server's count (protobuf, what continue-as-new compares) and the JSON a replay test stores.
    const serverBytes = Number((await client.workflow.getHandle(handle.workflowId, firstRun).describe()).historySize);
    const bytes = Buffer.byteLength(JSON.stringify(history));
    // One replay worker for all of them, as after a restart: the first replay also loads the
    // bundle (reported apart), the next `replays` are the figure.
    const timings: number[] = [];
    let last = performance.now();
    const runs = Array.from({ length: replays + 1 }, (_, index) => ({ workflowId: `${handle.workflowId}-${index}`, history }));
    for await (const result of Worker.runReplayHistories({ workflowBundle: { code }, replayName: 'bench-replay' }, runs)) {
      if (result.error) throw result.error;
      const now = performance.now();
      timings.push(now - last);
      last = now;
    }
    const firstMs = Math.round(timings.shift()!);
    const replay = summarize(timings);
    const result = {
      machine,
      intervalMs,
      buildSeconds: Math.round((performance.now() - started) / 1000),
      events,
      historyBytes: serverBytes,
      historyJsonBytes: bytes,
      firstReplayWithBundleMs: firstMs,
      replayMs: replay,
      replayMsEach: timings.map(Math.round),
    };
    if (json) console.log(JSON.stringify(result, null, 2));
    else
      console.log(
        table([
          ['date', 'machine', 'load (1m)', 'events', 'history bytes (server)', 'as JSON', 'first replay (loads bundle) ms', `replay median of ${replays} ms`, 'replay max ms'],
          [machine.date, `${machine.nproc} x ${machine.cpuModel}`, machine.loadAverage1m, events, serverBytes, bytes, firstMs, replay.medianMs, replay.maxMs],
        ]),
      );
  },
});
