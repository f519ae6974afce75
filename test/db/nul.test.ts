// PostgreSQL cannot store U+0000, and some of what Vigil stores comes from
// outside. The pool replaces it with U+FFFD in every parameter, so a check
// whose script prints a NUL byte is recorded instead of failing its loop.
// Real PostgreSQL; the loop on the real worker set and dev server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { healthWorkflow } from '../../workflows';
import { taskQueues, workflowIds } from '../../workflows/messages';
import { eventually } from '../helpers/eventually';
import { connectTestTemporal, createTestDatabase, startTestWorkers, uniqueName, type TestDatabase, type TestTemporal } from '../helpers/harness';
import { testHealthSpec } from '../helpers/health-spec';

describe('the NUL character on its way to PostgreSQL', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let workers: { stop(): Promise<void> } | undefined;
  before(async () => {
    db = await createTestDatabase('nul');
    temporal = await connectTestTemporal();
    workers = await startTestWorkers({ taskQueuePrefix: temporal.taskQueuePrefix, pool: db.pool });
  });
  after(async () => {
    await workers?.stop();
    await temporal?.close();
    await db?.close();
  });

  it('is stored as U+FFFD in text, in JSON text, in objects sent as jsonb and in arrays, by pool.query and by a checked-out client', async () => {
    await db.pool.query('CREATE TABLE nul_sample (note text, doc jsonb, tags text[])');
    await db.pool.query('INSERT INTO nul_sample VALUES ($1, $2, $3)', ['a\u0000b', JSON.stringify({ line: 'c\u0000d' }), ['e\u0000f']]);
    const client = await db.pool.connect();
    try {
      await client.query({ text: 'INSERT INTO nul_sample (note, doc) VALUES ($1, $2)', values: ['g\u0000h', { line: 'i\u0000j' }] });
    } finally {
      client.release();
    }
    const { rows } = await db.pool.query('SELECT note, doc, tags FROM nul_sample ORDER BY note');
    assert.deepEqual(rows, [
      { note: 'a\uFFFDb', doc: { line: 'c\uFFFDd' }, tags: ['e\uFFFDf'] },
      { note: 'g\uFFFDh', doc: { line: 'i\uFFFDj' }, tags: null },
    ]);
  });

  it("in a check script's output is recorded, and the loop goes on (it used to fail the loop)", async () => {
    const service = uniqueName('nul').replace('_', '-');
    const spec = testHealthSpec(service, {
      checks: [{ name: 'script', intervalMs: 300, spec: { type: 'script', argv: ['/bin/sh', '-c', "printf 'broken\\000pipe'; exit 1"], timeoutMs: 2_000 } }],
    });
    const handle = await temporal.client.workflow.start(healthWorkflow, { taskQueue: taskQueues(temporal.taskQueuePrefix).workflows, workflowId: workflowIds.health(service), args: [{ spec }] });
    try {
      const stored = await eventually(async () => {
        const { rows } = await db.pool.query<{ detail: string }>('SELECT detail FROM check_results WHERE service = $1 LIMIT 1', [service]);
        return rows[0]?.detail;
      }, 'a check result stored');
      assert.match(stored, /broken\uFFFDpipe/);
      await eventually(
        async () => (await db.pool.query('SELECT 1 FROM health_transitions WHERE service = $1 AND to_status = $2', [service, 'unhealthy'])).rowCount === 1,
        'the loop judged it unhealthy',
      );
      assert.equal((await handle.describe()).status.name, 'RUNNING');
    } finally {
      await handle.terminate().catch(() => {});
    }
  });
});
