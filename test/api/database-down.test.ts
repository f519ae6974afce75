// With PostgreSQL gone, the API's answers that need it are 503 naming
// PostgreSQL, not a bare 500 (lib/db/errors.ts, api/errors.ts). The pool points
// at a port where nothing listens: what a client sees of a stopped server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { isDatabaseUnavailable } from '../../lib/adapters/db/errors';
import { createPool } from '../../lib/adapters/db/pool';
import { bearer, buildTestApi, type TestApi } from '../helpers/api';
import { createTestDatabase, testEnvironment, uniqueName, type TestDatabase } from '../helpers/harness';
import { freePort } from '../helpers/ports';

describe('API with PostgreSQL down', () => {
  let api: TestApi;
  let deadPool: pg.Pool;

  before(async () => {
    deadPool = createPool({ url: `postgres://postgres:x@127.0.0.1:${await freePort()}/postgres`, schema: 'gone', connectTimeoutMs: 1_000 });
    const db: TestDatabase = { pool: deadPool, schema: 'gone', url: '', close: () => deadPool.end() };
    api = await buildTestApi({ db, taskQueuePrefix: uniqueName('dbdown') });
  });
  after(async () => {
    await api.close();
    await deadPool.end();
  });

  const dependencyErrors = async () => Object.fromEntries((await api.deps.metrics.dependencyErrors.get()).values.map((sample) => [sample.labels.dependency, sample.value]));

  for (const url of ['/api/v1/actions', '/api/v1/services/web/history', '/api/v1/triage', '/api/v1/drift']) {
    it(`GET ${url} is 503 naming PostgreSQL, and counted as its error`, async () => {
      const before = (await dependencyErrors()).postgres ?? 0;
      const response = await api.app.inject({ method: 'GET', url, headers: bearer('read') });
      assert.equal((await dependencyErrors()).postgres, before + 1);
      assert.equal(response.statusCode, 503, response.body);
      const body = response.json() as { error: string; message: string; requestId?: string };
      assert.equal(body.error, 'unavailable');
      assert.match(body.message, /^PostgreSQL did not answer: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
      assert.ok(body.requestId);
    });
  }

  it('the overview still answers, names the sections it could not read, and blames PostgreSQL for them', async () => {
    const before = (await dependencyErrors()).postgres ?? 0;
    const response = await api.app.inject({ method: 'GET', url: '/api/v1/overview', headers: bearer('read') });
    assert.equal(response.statusCode, 200, response.body);
    const { problems } = response.json() as { problems: string[] };
    assert.deepEqual(problems.map((problem) => problem.split(':')[0]).sort(), ['actions', 'drift', 'triages']);
    const counted = await dependencyErrors();
    assert.equal(counted.postgres, before + 3);
    assert.equal(counted.temporal, undefined, 'Temporal answered');
  });
});

describe('which database errors mean "unavailable"', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('dbdown');
  });
  after(async () => {
    await db.close();
  });

  it('a connection the server terminates is; a wrong query or bad data is not', async () => {
    const client = await db.pool.connect();
    client.on('error', () => {}); // the terminated connection reports itself here too
    const admin = new pg.Client({ connectionString: testEnvironment().databaseUrl });
    await admin.connect();
    try {
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const waiting = client.query('SELECT pg_sleep(10)').then(
        () => undefined,
        (error: unknown) => error,
      );
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      const terminated = await waiting;
      assert.equal((terminated as { code?: string }).code, '57P01');
      assert.equal(isDatabaseUnavailable(terminated), true);
      const wrongQuery = await admin.query('SELEC 1').then(
        () => undefined,
        (error: unknown) => error,
      );
      assert.equal((wrongQuery as { code?: string }).code, '42601');
      assert.equal(isDatabaseUnavailable(wrongQuery), false);
      const badData = await admin.query('SELECT 1 FROM (VALUES (1)) AS t(x) WHERE 1/0 = 1').then(
        () => undefined,
        (error: unknown) => error,
      );
      assert.equal((badData as { code?: string }).code, '22012');
      assert.equal(isDatabaseUnavailable(badData), false);
    } finally {
      client.release(true);
      await admin.end();
    }
  });

  it('a client whose connection broke is; an error of our own is not', () => {
    assert.equal(isDatabaseUnavailable(new Error('Connection terminated unexpectedly')), true);
    assert.equal(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect')), true);
    assert.equal(isDatabaseUnavailable(new TypeError('cannot read properties of undefined')), false);
    assert.equal(isDatabaseUnavailable('ECONNREFUSED'), false);
  });
});
