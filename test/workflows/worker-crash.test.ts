// The crash test: a worker process is SIGKILLed while a restart action is in
// flight. A new worker takes over; the service (payments of a demo shop, crashed
// by a fault) is restarted exactly once (the action is not run a second time) and
// the loop carries on to healthy.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { quoteIdentifier } from '../../lib/adapters/db/pool';
import { healthWorkflow } from '../../workflows';
import { healthStatusQuery, taskQueues, workflowIds } from '../../workflows/messages';
import { eventually } from '../helpers/eventually';
import { dropSchema, testEnvironment, uniqueName } from '../helpers/harness';
import { testHealthSpec } from '../helpers/health-spec';
import { freePort } from '../helpers/ports';
import { startTestShop, type TestShop } from '../helpers/shop';
import { runVigil, workerProcessEnv, type VigilRun } from '../helpers/vigil-process';

const SLOW_RESTART = resolve(__dirname, '..', 'fixtures', 'slow-restart.js');

describe('worker killed mid-action', () => {
  const schema = uniqueName('crash');
  const prefix = uniqueName('crash');
  const service = uniqueName('crashy').replace('_', '-');
  let shop: TestShop;
  let connection: Connection;
  let client: Client;
  const workers: VigilRun[] = [];
  let opsPort: number;

  const workerEnv = () => workerProcessEnv({ schema, prefix, opsPort });

  before(async () => {
    opsPort = await freePort();
    shop = await startTestShop();
    connection = await Connection.connect({ address: testEnvironment().temporalAddress });
    client = new Client({ connection });
  });
  after(async () => {
    await client.workflow
      .getHandle(workflowIds.health(service))
      .terminate()
      .catch(() => {});
    for (const worker of workers) worker.child.kill('SIGKILL');
    await connection.close();
    await shop.close();
    await dropSchema(schema);
  });

  it('restarts the service exactly once and the workflow goes on', async () => {
    const counter = join(shop.root, 'restarts');
    const spec = testHealthSpec(service, {
      checks: [{ name: 'healthz', intervalMs: 250, spec: { type: 'http', url: `${shop.url('payments')}/healthz`, timeoutMs: 500 } }],
      ladder: [
        {
          name: 'restart',
          action: {
            type: 'exec',
            argv: [process.execPath, SLOW_RESTART, ...shop.restartArgv('payments').slice(2)],
            env: { RESTART_COUNTER: counter, RESTART_DELAY_MS: '3000' },
            timeoutMs: 10_000,
            expectedExitCodes: [0],
          },
          settleMs: 2_000,
        },
      ],
      limits: { cooldownMs: 0, maxActions: 3, windowMs: 900_000 },
      flapping: { transitions: 100, windowMs: 600_000 },
    });

    const first = runVigil(['worker'], workerEnv());
    workers.push(first);
    const handle = await client.workflow.start(healthWorkflow, { taskQueue: taskQueues(prefix).workflows, workflowId: workflowIds.health(service), args: [{ spec }] });
    await eventually(async () => (await handle.query(healthStatusQuery)).status === 'healthy', 'healthy', 60_000);
    const pidBefore = shop.pid('payments');

    assert.equal((await shop.ctl('fault', 'payments', 'crash')).code, 0);
    await eventually(async () => existsSync(counter), 'the restart action has started', 60_000);
    first.child.kill('SIGKILL');
    await first.exited;

    // The action's row comes back in-doubt once Temporal gives up on the dead worker's attempt:
    // its heartbeat timeout is the action's own timeout (10 s here) + 30 s.
    const second = runVigil(['worker'], workerEnv());
    workers.push(second);
    const view = await eventually(
      async () => {
        const status = await handle.query(healthStatusQuery);
        return status.status === 'healthy' && status.remediation.last && status;
      },
      'healthy again under the new worker',
      90_000,
    );

    assert.equal(readFileSync(counter, 'utf8').trim().split('\n').length, 1, 'the restart ran exactly once');
    assert.notEqual(shop.pid('payments'), pidBefore, 'payments was restarted');
    assert.equal(view.remediation.last!.status, 'in-doubt', 'the interrupted action is reported as in doubt, not run again');
    const admin = new pg.Client({ connectionString: testEnvironment().databaseUrl });
    await admin.connect();
    const { rows } = await admin.query(`SELECT step, status FROM ${quoteIdentifier(schema)}.remediation_actions WHERE service = $1`, [service]).finally(() => admin.end());
    assert.deepEqual(rows, [{ step: 'restart', status: 'in-doubt' }]);
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.stderr());
  });
});
