// A service that flaps (up, down, up, down…) is not restarted in a storm: once
// its status has changed `transitions` times within the window, the loop gives
// up on it, as it does when the action cap is reached.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { healthWorkflow } from '../../workflows';
import { healthStatusQuery, taskQueues, workflowIds } from '../../workflows/messages';
import { eventually } from '../helpers/eventually';
import { connectTestTemporal, createTestDatabase, startTestWorkers, uniqueName, type TestDatabase, type TestTemporal } from '../helpers/harness';
import { testHealthSpec } from '../helpers/health-spec';

describe('flapping', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let workers: { stop(): Promise<void> };
  let server: Server;
  let requests = 0;

  before(async () => {
    db = await createTestDatabase('flapping');
    temporal = await connectTestTemporal();
    workers = await startTestWorkers({ taskQueuePrefix: temporal.taskQueuePrefix, pool: db.pool });
    // Every other check fails: the service changes status on every round.
    server = createServer((_request, response) => {
      requests += 1;
      response.writeHead(requests % 2 === 1 ? 200 : 503).end();
    });
    await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  });
  after(async () => {
    await workers.stop();
    server.close();
    await temporal.close();
    await db.close();
  });

  it('gives up on a flapping service instead of acting on every fall', async () => {
    const service = uniqueName('flappy').replace(/_/g, '-');
    const spec = testHealthSpec(service, {
      checks: [{ name: 'http', intervalMs: 200, spec: { type: 'http', url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, timeoutMs: 1_000 } }],
      ladder: [{ name: 'restart', action: { type: 'exec', argv: ['/bin/true'], timeoutMs: 5_000, expectedExitCodes: [0] }, settleMs: 0 }],
      thresholds: { failureThreshold: 1, successThreshold: 1 },
      limits: { cooldownMs: 0, maxActions: 100, windowMs: 900_000 },
      flapping: { transitions: 4, windowMs: 600_000 },
    });
    const handle = await temporal.client.workflow.start(healthWorkflow, { taskQueue: taskQueues(temporal.taskQueuePrefix).workflows, workflowId: workflowIds.health(service), args: [{ spec }] });
    try {
      const view = await eventually(async () => {
        const status = await handle.query(healthStatusQuery);
        return status.remediation.gaveUp && status;
      }, 'gave up');
      assert.equal(view.remediation.gaveUp!.reason, 'flapping: 4 status changes within 10 min');
      // It keeps flapping for a few more rounds: the hand-off stands, nothing more is done or said.
      await eventually(async () => (await handle.query(healthStatusQuery)).round >= view.round + 6, 'six more rounds');
      assert.equal((await handle.query(healthStatusQuery)).remediation.gaveUp?.at, view.remediation.gaveUp!.at);
      const { rows } = await db.pool.query(`SELECT step FROM remediation_actions WHERE service = $1 ORDER BY started_at`, [service]);
      assert.deepEqual(
        rows.map((row) => row.step),
        ['restart', 'give-up'],
        'one restart on the first fall, then the hand-off',
      );
      // Transitions are recorded beside the remediation: wait for the rows rather than assume them.
      const transitions = await eventually(async () => {
        const { rows: found } = await db.pool.query(`SELECT to_status FROM health_transitions WHERE service = $1 ORDER BY round`, [service]);
        return found.length >= 4 && found;
      }, 'four transitions recorded');
      assert.deepEqual(
        transitions.slice(0, 4).map((row) => row.to_status),
        ['healthy', 'unhealthy', 'healthy', 'unhealthy'],
      );
    } finally {
      await handle.terminate('test done');
    }
  });
});
