// The chaos rig itself: its PostgreSQL and Temporal keep their data across a stop.
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { describe, it } from 'node:test';
import { chaosPostgres, chaosTemporal } from './rig';

describe('chaos rig', { timeout: 180_000 }, () => {
  it('PostgreSQL keeps its rows across a stop and a start on the same port', async () => {
    const postgres = await chaosPostgres();
    try {
      const query = async (sql: string) => {
        const client = new pg.Client({ connectionString: postgres.url });
        await client.connect();
        try {
          return (await client.query(sql)).rows;
        } finally {
          await client.end();
        }
      };
      await query('CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
      await postgres.stop();
      await assert.rejects(query('SELECT 1'));
      await postgres.start();
      assert.deepEqual(await query('SELECT n FROM kept'), [{ n: 42 }]);
    } finally {
      await postgres.dispose();
    }
  });

  it('Temporal keeps a running workflow across a stop and a start', async () => {
    const temporal = await chaosTemporal();
    try {
      const started = async () => {
        const connection = await Connection.connect({ address: temporal.address });
        return { connection, client: new Client({ connection, namespace: 'default' }) };
      };
      let { connection, client } = await started();
      const handle = await client.workflow.start('healthWorkflow', { taskQueue: 'chaos-rig-workflows', workflowId: 'chaos-rig', args: [{}] });
      await connection.close();
      await temporal.stop();
      await temporal.start();
      ({ connection, client } = await started());
      assert.equal((await client.workflow.getHandle(handle.workflowId).describe()).status.name, 'RUNNING');
      await connection.close();
    } finally {
      await temporal.dispose();
    }
  });
});
