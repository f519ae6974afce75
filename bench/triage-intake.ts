// Webhook intake: Alertmanager-shaped POSTs to /api/v1/alerts over real HTTP,
// half of them repeats of alert instances already sent, `--concurrency` at a
// time, `--per-request` alerts in each (Alertmanager sends a group's alerts in
// one notification; 1 is the worst case). Reports alerts/s, latency percentiles, lost alerts (any answer but 202)
// and whether exactly one triage exists per alert instance (counted in
// Temporal's visibility). No worker runs: intake is only the start (or reuse)
// acknowledged by Temporal, so the figures are the API's and the server's.
// Its own in-memory Temporal dev server and embedded PostgreSQL on free ports.
//   node --import tsx bench/triage-intake.ts -- [--alerts 2000] [--concurrency 32] [--per-request 1] [--remember-acks-ms 300000] [--dynamic-config KEY=VALUE]… [--json]
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { buildApp } from '../api/app';
import { apiToken } from '../api/auth-tokens';
import { configFromObject } from '../lib/config/load';
import { migrate } from '../lib/db/migrate';
import { createPool } from '../lib/db/pool';
import { createLogger } from '../lib/log';
import { createMetrics } from '../lib/metrics';
import { projectRoot } from '../lib/paths';
import { startEmbeddedPostgres } from '../lib/postgres/embedded';
import { provisionTemporalCli } from '../lib/temporal/cli-binary';
import { startDevServer } from '../lib/temporal/dev-server';
import { freePort } from '../test/helpers/ports';
import { taskQueues } from '../workflows/messages';
import { describeMachine, intFlag, runBench, summarize, table } from './lib';

const args = process.argv.slice(2);
const alerts = intFlag(args, 'alerts', 2000);
const concurrency = intFlag(args, 'concurrency', 32);
const perRequest = intFlag(args, 'per-request', 1);
/** llm.intake.rememberAcksMs (0: every alert asks Temporal). */
const rememberAcksMs = intFlag(args, 'remember-acks-ms', 300_000, 0);
/** Dev-server dynamic config (`--dynamic-config KEY=VALUE`, repeatable), for experiments. */
const dynamicConfig = args.flatMap((arg, index) => (arg === '--dynamic-config' && args[index + 1] ? ['--dynamic-config-value', args[index + 1]] : []));
const say = (line: string) => console.error(`[triage-intake] ${line}`);
const TOKEN = 'bench-token-0123456789abcdef';

function payload(fingerprints: string[]) {
  return JSON.stringify({
    version: '4',
    groupKey: `{}:{alertname="BenchDown"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'vigil',
    groupLabels: { alertname: 'BenchDown' },
    commonLabels: { alertname: 'BenchDown' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: fingerprints.map((fingerprint) => ({
      status: 'firing',
      labels: { alertname: 'BenchDown', instance: `host-${fingerprint}:9100`, severity: 'page' },
      annotations: { summary: 'host is down' },
      startsAt: '2026-11-23T10:00:00.000Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph',
      fingerprint,
    })),
  });
}

void runBench({
  name: 'triage-intake',
  limitMs: 600_000,
  async body(cleanup) {
    const machine = await describeMachine();
    const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-intake-'));
    chmodSync(dir, 0o755);
    cleanup.defer('temp dir', () => rmSync(dir, { recursive: true, force: true }));
    const temporalCli = await provisionTemporalCli({ configured: process.env.VIGIL_TEMPORAL_CLI, dataDir: join(projectRoot(), '.vigil'), say });
    const [temporalPort, postgresPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const temporal = await startDevServer({ executable: temporalCli, ip: '127.0.0.1', port: temporalPort, namespace: 'default', logFile: join(dir, 'logs', 'temporal.log'), pidFile: join(dir, 'run', 'temporal.pid'), extraArgs: dynamicConfig });
    cleanup.defer('Temporal', () => temporal.stop());
    const postgres = await startEmbeddedPostgres({ dir, port: postgresPort });
    cleanup.defer('PostgreSQL', () => postgres.stop());
    const pool = createPool({ url: postgres.url, schema: 'bench', max: 10 });
    cleanup.defer('pool', () => pool.end());
    await migrate(pool, 'bench');
    const connection = await Connection.connect({ address: temporal.address });
    cleanup.defer('connection', () => connection.close());
    const client = new Client({ connection, namespace: 'default' });
    const config = configFromObject({ log: { level: 'silent' }, server: { port: apiPort }, llm: { intake: { rememberAcksMs } } }, 'bench');
    const prefix = `bench${Date.now()}`;
    const app = await buildApp({
      config,
      pool,
      temporal: { client, connection, namespace: 'default', address: temporal.address, taskQueues: taskQueues(prefix) },
      tokens: [apiToken('alertmanager', 'operate', TOKEN)],
      metrics: createMetrics(),
      log: createLogger('silent'),
      version: 'bench',
    });
    await app.listen({ host: '127.0.0.1', port: apiPort });
    cleanup.defer('API', () => app.close());
    const url = `http://127.0.0.1:${apiPort}/api/v1/alerts`;

    // Half the alerts are repeats of an instance sent earlier.
    const unique = Math.ceil(alerts / 2);
    const fingerprints = Array.from({ length: alerts }, (_, index) => (index % 2 === 0 ? (index / 2).toString(16).padStart(12, '0') : Math.floor(Math.random() * Math.ceil(index / 2)).toString(16).padStart(12, '0')));
    const post = (batch: string[]) =>
      fetch(url, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: payload(batch) });
    for (const fingerprint of ['warm0', 'warm1'].map((text) => Buffer.from(text).toString('hex'))) await (await post([fingerprint])).text();
    // A request's alerts are distinct instances, as in one Alertmanager notification.
    const batches: string[][] = [];
    for (const fingerprint of fingerprints) {
      const open = batches.at(-1);
      if (open && open.length < perRequest && !open.includes(fingerprint)) open.push(fingerprint);
      else batches.push([fingerprint]);
    }

    const latencies: number[] = [];
    const failures: string[] = [];
    let lostAlerts = 0;
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < batches.length) {
          const batch = batches[next++];
          const at = performance.now();
          const response = await post(batch);
          const text = await response.text();
          latencies.push(performance.now() - at);
          if (response.status !== 202) {
            failures.push(`${response.status} ${text.slice(0, 200)}`);
            lostAlerts += batch.length;
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    let counted = -1;
    for (let attempt = 0; attempt < 60 && counted !== unique + 2; attempt += 1) {
      counted = (await client.workflow.count(`WorkflowType = 'triageWorkflow'`)).count;
      if (counted !== unique + 2) await sleep(500);
    }
    const result = { alerts, unique, concurrency, perRequest, requests: batches.length, alertsPerSecond: Math.round(alerts / seconds), latency: summarize(latencies), lost: lostAlerts, triages: counted - 2, failures: failures.slice(0, 5) };
    if (args.includes('--json')) {
      console.log(JSON.stringify({ machine, ...result }, null, 2));
      return;
    }
    console.log(`Webhook intake, ${alerts} alerts (${unique} instances) in ${batches.length} requests of up to ${perRequest}, ${concurrency} at a time, rememberAcksMs ${rememberAcksMs} (${machine.date}, ${machine.cpuModel}, load ${machine.loadAverage1m})`);
    console.log(table([['alerts/s', 'request median ms', 'p90 ms', 'p99 ms', 'max ms', 'lost', 'triages (want ' + unique + ')'], [result.alertsPerSecond, result.latency.medianMs, result.latency.p90Ms, result.latency.p99Ms, result.latency.maxMs, result.lost, result.triages]]));
    for (const failure of result.failures) console.log(`  ${failure}`);
  },
});
