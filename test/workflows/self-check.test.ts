import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { selfCheckWorkflow } from '../../workflows';
import { SEARCH_ATTRIBUTES, taskQueues, workflowIds } from '../../workflows/messages';
import { connectTestTemporal, createTestDatabase, createTestWorkers, uniqueName, withWorkers, type TestDatabase, type TestTemporal } from '../helpers/harness';

describe('self-check workflow (real worker, dev server, PostgreSQL)', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;

  before(async () => {
    db = await createTestDatabase('selfcheck');
    temporal = await connectTestTemporal();
  });
  after(async () => {
    await temporal.close();
    await db.close();
  });

  it('runs through the project worker factory, writes its row and tags the execution', async () => {
    const { workers, connection } = await createTestWorkers({ taskQueuePrefix: temporal.taskQueuePrefix, pool: db.pool, maxCachedWorkflows: 0 });
    const workflowId = workflowIds.selfCheck(uniqueName('run'));
    try {
      const result = await withWorkers(workers, () =>
        temporal.client.workflow.execute(selfCheckWorkflow, {
          taskQueue: taskQueues(temporal.taskQueuePrefix).workflows,
          workflowId,
          args: [{ requestedBy: 'test', note: 'hello' }],
        }),
      );
      assert.equal(result.workflowId, workflowId);
      assert.equal(result.attempts, 1);
      assert.match(result.worker, /^vigil-worker@/);
      const { rows } = await db.pool.query('SELECT requested_by, note FROM self_checks WHERE workflow_id = $1', [workflowId]);
      assert.deepEqual(rows, [{ requested_by: 'test', note: 'hello' }]);
      const description = await temporal.client.workflow.getHandle(workflowId).describe();
      assert.equal(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.kind), 'selfcheck');
      assert.equal(description.typedSearchAttributes.get(SEARCH_ATTRIBUTES.status), 'ok');
    } finally {
      await connection.close();
    }
  });
});
