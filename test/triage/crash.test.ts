// The crash test: a `vigil worker` process is SIGKILLed while a model call is in
// flight, and the next one while a tool call is in flight. The triage finishes
// under a third worker with no model turn billed twice (the fixture's request
// log proves it) and no transcript row lost or duplicated.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { createPool } from '../../lib/adapters/db/pool';
import { manualWorkflowId, triageIdOf } from '../../lib/core/triage/ids';
import { triageSettings } from '../../lib/core/triage/settings';
import { triageWorkflow } from '../../workflows';
import { taskQueues } from '../../workflows/messages';
import { startAnthropicFixture, type AnthropicFixture } from '../fixtures/anthropic';
import { startLokiFixture, type LokiFixture } from '../fixtures/loki';
import { eventually } from '../helpers/eventually';
import { dropSchema, testConfig, testEnvironment, uniqueName } from '../helpers/harness';
import { freePort } from '../helpers/ports';
import { runVigil, workerProcessEnv, type VigilRun } from '../helpers/vigil-process';

describe('worker killed mid-triage', () => {
  const schema = uniqueName('tcrash');
  const prefix = uniqueName('tcrash');
  const keyEnv = uniqueName('TEST_CRASH_KEY').toUpperCase();
  let anthropic: AnthropicFixture;
  let loki: LokiFixture;
  let connection: Connection;
  let client: Client;
  let opsPort: number;
  const workers: VigilRun[] = [];

  const workerEnv = () =>
    workerProcessEnv({
      schema,
      prefix,
      opsPort,
      extra: {
        VIGIL_LLM__BASE_URL: anthropic.baseURL,
        VIGIL_LLM__API_KEY_ENV: keyEnv,
        [keyEnv]: 'sk-ant-test-crash',
        VIGIL_LLM__SOURCES__LOKI_URL: loki.url,
        VIGIL_LLM__SOURCES__TOOL_TIMEOUT_MS: '3000',
      },
    });

  before(async () => {
    opsPort = await freePort();
    anthropic = await startAnthropicFixture();
    loki = await startLokiFixture([{ labels: { service: 'shop' }, at: Date.now() - 5_000, line: 'level=error msg="disk full"' }]);
    connection = await Connection.connect({ address: testEnvironment().temporalAddress });
    client = new Client({ connection });
  });
  after(async () => {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await connection.close();
    await Promise.all([anthropic.close(), loki.close()]);
    await dropSchema(schema);
  });

  async function kill(worker: VigilRun): Promise<void> {
    worker.child.kill('SIGKILL');
    await worker.exited;
  }

  it('finishes with every turn billed once and every transcript row once', async () => {
    anthropic.script('crash', [
      { hold: true },
      { content: [{ type: 'tool_use', id: 'toolu_crash', name: 'query_logs', input: { query: '{service="shop"} |= "error"' } }], stop_reason: 'tool_use' },
      {
        content: [
          { type: 'text', text: '```json\n{"summary":"disk full on shop","rootCause":"disk","evidence":[{"claim":"disk full","toolUseId":"toolu_crash"}],"confidence":"high","nextSteps":[]}\n```' },
        ],
        stop_reason: 'end_turn',
      },
    ]);
    loki.hold = true;
    workers.push(runVigil(['worker'], workerEnv()));
    const workflowId = manualWorkflowId(uniqueName('crash'));
    const settings = { ...triageSettings(testConfig()), toolTimeoutMs: 3000 };
    const handle = await client.workflow.start(triageWorkflow, {
      taskQueue: taskQueues(prefix).workflows,
      workflowId,
      args: [{ alert: { labels: { alertname: 'ShopDown', service: 'shop', scenario: 'crash' }, annotations: {} }, source: 'manual', settings }],
    });

    await eventually(async () => anthropic.held() === 1, 'the model call in flight', 90_000);
    await kill(workers[0]);
    workers.push(runVigil(['worker'], workerEnv()));
    await eventually(async () => loki.held === 1, 'the tool call in flight under the second worker', 90_000);
    await kill(workers[1]);
    loki.hold = false;
    workers.push(runVigil(['worker'], workerEnv()));

    const result = await handle.result();
    assert.equal(result.status, 'completed', workers.map((worker) => worker.stderr()).join('\n'));
    assert.equal(result.summary, 'disk full on shop');
    // Three requests reached the model; the first died with its worker, unanswered: two turns, each billed once.
    const requests = anthropic.requests.filter((request) => request.scenario === 'crash');
    assert.deepEqual(
      requests.map((request) => request.status),
      [0, 200, 200],
    );
    const pool = createPool({ url: testEnvironment().databaseUrl, schema, max: 1 });
    try {
      const triageId = triageIdOf(workflowId);
      const messages = await pool.query(`SELECT turn, role FROM triage_messages WHERE triage_id = $1 ORDER BY turn, role DESC`, [triageId]);
      assert.deepEqual(
        messages.rows.map((row) => `${row.turn}:${row.role}`),
        ['1:user', '1:assistant', '2:user', '2:assistant'],
      );
      const tools = await pool.query(`SELECT tool_use_id, status, output FROM triage_tool_calls WHERE triage_id = $1`, [triageId]);
      assert.equal(tools.rows.length, 1);
      assert.equal(tools.rows[0].status, 'ok');
      assert.match(tools.rows[0].output, /disk full/);
    } finally {
      await pool.end();
    }
    workers[2].child.kill('SIGTERM');
    assert.equal(await workers[2].exited, 0, workers[2].stderr());
  });
});
