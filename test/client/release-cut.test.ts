// `vigil up` crossing a release cut on its own dev server: executions of an older
// release are terminated once (the new code may not replay them), those of this
// release and of other task queues are left alone.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { crossReleaseCut } from '../../lib/client/release-cut';
import { eventually } from '../helpers/eventually';
import { connectTestTemporal, uniqueName, type TestTemporal } from '../helpers/harness';

describe('crossing a release cut', { timeout: 120_000 }, () => {
  let temporal: TestTemporal;
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cut-'));
  const client = () => temporal.client;
  before(async () => {
    temporal = await connectTestTemporal();
  });
  after(async () => {
    await temporal.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A running execution nobody works on: it waits on its first workflow task. */
  const startIdle = (taskQueue: string) => client().workflow.start('healthWorkflow', { taskQueue, workflowId: uniqueName('cut'), args: [{}] });
  const status = async (handle: Awaited<ReturnType<typeof startIdle>>) => (await handle.describe()).status.name;

  it('terminates the older release executions of its own queue once, then records the release', async () => {
    const queue = `${uniqueName('tq')}-workflows`;
    const mine = await startIdle(queue);
    const other = await startIdle(`${uniqueName('tq')}-workflows`);
    const stampFile = join(dir, 'release');
    writeFileSync(stampFile, '0.1.0\n');
    // Visibility lags the start by a moment: wait until the list shows it.
    await eventually(async () => (await client().workflow.count(`TaskQueue = "${queue}"`)).count === 1, 'execution listed', 30_000);

    const cut = await crossReleaseCut({ client: client(), workflowTaskQueue: queue, stampFile, version: '0.2.0' });
    assert.deepEqual(cut, { from: '0.1.0', terminated: 1 });
    assert.equal(await status(mine), 'TERMINATED');
    assert.equal(await status(other), 'RUNNING', 'another queue is not ours');
    assert.equal(readFileSync(stampFile, 'utf8'), '0.2.0\n');

    const again = await startIdle(queue);
    await eventually(async () => (await client().workflow.count(`TaskQueue = "${queue}" AND ExecutionStatus = "Running"`)).count === 1, 'execution listed', 30_000);
    assert.deepEqual(await crossReleaseCut({ client: client(), workflowTaskQueue: queue, stampFile, version: '0.2.0' }), { from: '0.2.0', terminated: 0 });
    assert.equal(await status(again), 'RUNNING', 'this release executions are left alone');
    await Promise.all([other.terminate('test over'), again.terminate('test over')]);
  });
});
