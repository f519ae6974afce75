// Chaos (issue 18): the Temporal server stopped for 30 s under a fleet of health
// loops, a running triage and a drift sync whose command takes 25 s, workers and
// client on the test's own dev server.
// While it is away, quiet watches that were running keep probing (and storing)
// until their deadline; a watch whose heartbeat timed out meanwhile is lost, and
// the loop must then skip its round numbers instead of storing over its rows.
// After it returns: every loop is running and checking again, no stored check
// result was overwritten (rows = probes), and the triage, whose model call was in
// flight across the outage, finishes with every transcript row exactly once; the
// sync's command ran once, to its end (it used to be killed 15 s in, when the SDK
// gave up on the attempt's 10 s heartbeat, and applied again after the outage).
// Recovery times go to docs/PERFORMANCE.md.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createLogger } from '../../lib/adapters/log';
import { installTemporalRuntime } from '../../lib/adapters/temporal/runtime';
import { manualWorkflowId, triageIdOf } from '../../lib/core/triage/ids';
import { triageSettings } from '../../lib/core/triage/settings';
import { createWorkers } from '../../workers/create-workers';
import type { DriftSpec } from '../../lib/core/drift/spec';
import { driftWorkflow, healthWorkflow, triageWorkflow } from '../../workflows';
import { driftStatusQuery, healthStatusQuery, taskQueues, workflowIds } from '../../workflows/messages';
import { startAnthropicFixture, type AnthropicFixture } from '../fixtures/anthropic';
import { startLokiFixture, type LokiFixture } from '../fixtures/loki';
import { eventually } from '../helpers/eventually';
import { createTestDatabase, testConfig, testEnvironment, uniqueName, type TestDatabase } from '../helpers/harness';
import { testHealthSpec } from '../helpers/health-spec';
import { chaosTemporal, type ChaosTemporal } from './rig';

const SERVICES = 8;
const INTERVAL_MS = 1_000;
const OUTAGE_MS = 30_000;
const APPLY_MS = 25_000;
const sleep = (ms: number) => new Promise((resolveWait) => setTimeout(resolveWait, ms));

/** A self-healing drift app whose command provider takes APPLY_MS to apply: it counts its starts, then its ends, and writes. */
function slowApp(root: string, app: string): { spec: DriftSpec; started: string; applies: string; live: string } {
  mkdirSync(join(root, 'desired'));
  writeFileSync(join(root, 'desired', 'cfg.yaml'), 'target: cfg\nstate: { version: 2 }\n');
  const live = join(root, 'cfg.json');
  writeFileSync(live, '{"version":1}');
  const started = join(root, 'apply-started');
  const applies = join(root, 'applies.log');
  const script = join(root, 'slow.js');
  writeFileSync(
    script,
    `const fs = require('fs'); const file = ${JSON.stringify(live)};
     if (process.argv[2] === 'get') { process.stdout.write(fs.readFileSync(file, 'utf8')); }
     else { let input = ''; process.stdin.on('data', (c) => input += c); process.stdin.on('end', () => {
       fs.appendFileSync(${JSON.stringify(started)}, 'start\\n');
       setTimeout(() => { fs.appendFileSync(${JSON.stringify(applies)}, 'apply\\n'); fs.writeFileSync(file, input); }, ${APPLY_MS});
     }); }`,
  );
  const spec: DriftSpec = {
    app,
    mode: 'self-heal',
    intervalMs: 1_000,
    jitterMs: 0,
    source: { type: 'directory', path: join(root, 'desired') },
    provider: { type: 'command', read: [process.execPath, script, 'get'], apply: [process.execPath, script, 'set'], timeoutMs: 60_000 },
    ignore: [],
    sensitive: [],
    heal: { initialBackoffMs: 1_000, maxBackoffMs: 10_000, maxAttempts: 5, contestedAfter: 2 },
    windows: [],
  };
  return { spec, started, applies, live };
}

/** Answers 200 to every path and counts the requests per path: a probe is a request. */
async function countingServer(): Promise<{ server: Server; port: number; probes: Map<string, number> }> {
  const probes = new Map<string, number>();
  const server = createServer((request, response) => {
    probes.set(request.url ?? '/', (probes.get(request.url ?? '/') ?? 0) + 1);
    response.end('ok');
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  return { server, port: (server.address() as { port: number }).port, probes };
}

describe('chaos: the Temporal server away for 30 s', { timeout: 240_000 }, () => {
  let db: TestDatabase;
  let temporal: ChaosTemporal;
  let anthropic: AnthropicFixture;
  let loki: LokiFixture;
  let target: Awaited<ReturnType<typeof countingServer>>;
  let root: string;
  const keyEnv = uniqueName('TEST_OUTAGE_KEY').toUpperCase();

  before(async () => {
    db = await createTestDatabase('chaos_temporal');
    temporal = await chaosTemporal();
    anthropic = await startAnthropicFixture();
    loki = await startLokiFixture([{ labels: { service: 'shop' }, at: Date.now() - 5_000, line: 'level=error msg="pool exhausted"' }]);
    target = await countingServer();
    root = mkdtempSync(join(tmpdir(), 'vigil-chaos-temporal-'));
    process.env[keyEnv] = 'sk-ant-test-temporal-outage';
  });
  after(async () => {
    target?.server.close();
    await Promise.all([anthropic?.close(), loki?.close()]);
    await temporal?.dispose();
    await db?.close();
    delete process.env[keyEnv];
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('every loop checks again, no stored round is overwritten, the triage keeps its whole transcript, the sync runs once', async () => {
    const prefix = uniqueName('chaos-tmp');
    installTemporalRuntime(createLogger('warn'));
    const native = await NativeConnection.connect({ address: temporal.address });
    const config = testConfig({ llm: { baseUrl: anthropic.baseURL, apiKeyEnv: keyEnv, sources: { lokiUrl: loki.url, toolTimeoutMs: 3_000 } } });
    const workers = await createWorkers({
      connection: native,
      namespace: 'default',
      taskQueuePrefix: prefix,
      workflowCode: { codePath: testEnvironment().workflowBundlePath },
      workerConfig: { ...config.worker, shutdownGraceMs: 1_000 },
      deps: { pool: db.pool, config, log: createLogger('silent') },
    });
    const runs = workers.map((worker) => worker.run());
    const connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection, namespace: 'default' });
    const names = Array.from({ length: SERVICES }, (_, index) => `${uniqueName('tmp').replace('_', '-')}-${index}`);
    const loops: WorkflowHandle<typeof healthWorkflow>[] = [];
    const others: WorkflowHandle[] = [];
    const rowsOf = async (name: string) => Number((await db.pool.query('SELECT count(*) FROM check_results WHERE service = $1', [name])).rows[0].count);
    try {
      for (const name of names) {
        const spec = testHealthSpec(name, { checks: [{ name: 'http', intervalMs: INTERVAL_MS, spec: { type: 'http', url: `http://127.0.0.1:${target.port}/${name}`, timeoutMs: 1_000 } }] });
        loops.push(await client.workflow.start(healthWorkflow, { taskQueue: taskQueues(prefix).workflows, workflowId: workflowIds.health(name), args: [{ spec }] }));
      }
      anthropic.script('outage', [
        { content: [{ type: 'tool_use', id: 'toolu_outage', name: 'query_logs', input: { query: '{service="shop"} |= "error"' } }], stop_reason: 'tool_use' },
        { hold: true },
        // Taken only if the held call is tried again after the outage.
        { content: [{ type: 'text', text: '```json\n{"summary":"pool exhausted on shop","rootCause":"pool","evidence":[],"confidence":"high","nextSteps":[]}\n```' }], stop_reason: 'end_turn' },
      ]);
      const workflowId = manualWorkflowId(uniqueName('outage'));
      const triage = await client.workflow.start(triageWorkflow, {
        taskQueue: taskQueues(prefix).workflows,
        workflowId,
        args: [{ alert: { labels: { alertname: 'ShopDown', service: 'shop', scenario: 'outage' }, annotations: {} }, source: 'manual', settings: triageSettings(config) }],
      });
      await eventually(async () => (await Promise.all(loops.map((loop) => loop.query(healthStatusQuery)))).every((view) => view.status === 'healthy'), 'the fleet healthy', 60_000);
      await eventually(async () => anthropic.held() === 1, 'the second model call in flight', 60_000);
      const drift = slowApp(root, uniqueName('slow').replace('_', '-'));
      const app = await client.workflow.start(driftWorkflow, { taskQueue: taskQueues(prefix).workflows, workflowId: workflowIds.drift(drift.spec.app), args: [{ spec: drift.spec }] });
      others.push(app);
      await eventually(async () => existsSync(drift.started), 'the apply has started', 60_000);

      await temporal.stop();
      await sleep(OUTAGE_MS);
      await temporal.start();
      const back = Date.now();
      anthropic.release({
        content: [{ type: 'text', text: '```json\n{"summary":"pool exhausted on shop","rootCause":"pool","evidence":[],"confidence":"high","nextSteps":[]}\n```' }],
        stop_reason: 'end_turn',
      });

      // Every loop runs rounds again: its round count moves on past where the outage left it.
      const rounds = await Promise.all(loops.map(async (loop) => (await loop.query(healthStatusQuery)).round));
      await eventually(
        async () => (await Promise.all(loops.map((loop) => loop.query(healthStatusQuery)))).every((view, index) => view.round >= rounds[index] + 3 && view.status === 'healthy'),
        'every loop checking again',
        90_000,
      );
      const checksBackMs = Date.now() - back;
      for (const loop of loops) assert.equal((await loop.describe()).status.name, 'RUNNING');

      const synced = await eventually(
        async () => {
          const view = await app.query(driftStatusQuery);
          return view.status === 'in-sync' && view.lastSync && view;
        },
        'the app in sync',
        90_000,
      );
      const syncBackMs = Date.now() - back;
      assert.equal(readFileSync(drift.started, 'utf8').trim().split('\n').length, 1, 'the command started once');
      assert.equal(readFileSync(drift.applies, 'utf8').trim().split('\n').length, 1, 'and ran to its end');
      assert.deepEqual(JSON.parse(readFileSync(drift.live, 'utf8')), { version: 2 });
      assert.equal(synced.lastSync!.outcome, 'applied', synced.lastSync!.detail);

      const result = await triage.result();
      const triageBackMs = Date.now() - back;
      assert.equal(result.status, 'completed');
      assert.equal(result.summary, 'pool exhausted on shop');
      const triageId = triageIdOf(workflowId);
      const messages = await db.pool.query(`SELECT turn, role FROM triage_messages WHERE triage_id = $1 ORDER BY turn, role DESC`, [triageId]);
      assert.deepEqual(
        messages.rows.map((row) => `${row.turn}:${row.role}`),
        ['1:user', '1:assistant', '2:user', '2:assistant'],
      );
      const tools = await db.pool.query(`SELECT tool_use_id, status FROM triage_tool_calls WHERE triage_id = $1`, [triageId]);
      assert.deepEqual(
        tools.rows.map((row) => `${row.tool_use_id}:${row.status}`),
        ['toolu_outage:ok'],
      );
      // The held call's attempt outlived its 20 s heartbeat timeout: at most one more request, never a lost turn.
      const billed = anthropic.billed('outage').length;
      assert.ok(billed >= 2 && billed <= 3, `${billed} model turns billed`);
      console.log(`[recovery] ${JSON.stringify({ outageMs: OUTAGE_MS, checksBackMs, syncBackMs, triageBackMs, billed })}`);
    } finally {
      for (const handle of [...loops, ...others]) await handle.terminate('test done').catch(() => {});
      // A watch lost in the outage may still run until its deadline (9 s): then every probe is in.
      await sleep(10_000);
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await Promise.allSettled(runs);
      await native.close();
      await connection.close();
    }
    for (const name of names) {
      const probes = target.probes.get(`/${name}`) ?? 0;
      // A round stored over another leaves fewer rows than probes (one may have been cut short by the end).
      assert.ok((await rowsOf(name)) >= probes - 1, `${name}: ${await rowsOf(name)} rows stored for ${probes} probes`);
    }
  });
});
