// What the pool reports about idle connections (lib/db/pool.ts): a server that
// cuts one is reported, a pool that is shutting down is not. `vigil up` stops
// PostgreSQL right after `pool.end()`, which resolves before the server has seen
// the clients leave; the stop used to log a warning (with the whole client in it).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { createPool, inTransaction } from '../../lib/adapters/db/pool';
import { eventually } from '../helpers/eventually';
import { testEnvironment } from '../helpers/harness';

function poolWithErrors() {
  const errors: Error[] = [];
  const clients: pg.PoolClient[] = [];
  const pool = createPool({ url: testEnvironment().databaseUrl, schema: 'public', max: 1, onError: (error) => errors.push(error) });
  pool.on('connect', (client) => clients.push(client));
  return { pool, errors, clients };
}

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

describe('pool errors', { timeout: 60_000 }, () => {
  it('reports an idle connection the server cuts', async () => {
    const { pool, errors } = poolWithErrors();
    try {
      const { rows } = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const admin = new pg.Client({ connectionString: testEnvironment().databaseUrl });
      await admin.connect();
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]).finally(() => admin.end());
      const [error] = await eventually(async () => errors.length > 0 && errors, 'the error reported');
      assert.equal((error as Error & { code?: string }).code, '57P01');
    } finally {
      await pool.end();
    }
  });

  it('does not report a connection that fails while the pool ends', async () => {
    const { pool, errors, clients } = poolWithErrors();
    await pool.query('SELECT 1');
    await pool.end();
    // What a server stopped at this moment does to a client still closing.
    clients[0].emit('error', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }));
    assert.deepEqual(errors, []);
  });

  it('a transaction whose connection the server cuts between its queries fails; the process lives on and the pool serves again', async () => {
    const { pool } = poolWithErrors();
    try {
      await assert.rejects(
        inTransaction(pool, async (client) => {
          const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          const admin = new pg.Client({ connectionString: testEnvironment().databaseUrl });
          await admin.connect();
          await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]).finally(() => admin.end());
          // The client learns of it while no query of its runs: pg emits 'error' on it then.
          await sleep(300);
          await client.query('SELECT 1');
        }),
      );
      assert.equal((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0].one, 1);
    } finally {
      await pool.end();
    }
  });
});
