// The activity interceptor every Vigil worker runs: a PostgreSQL error no retry
// can fix fails the activity for good; one worth retrying goes through as it
// is. Activities run in the SDK's MockActivityEnvironment with the real
// interceptor, against the run's real PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { isPermanentDatabaseError, PERMANENT_DATABASE_ERROR, permanentDatabaseErrors } from '../../workers/permanent-database-errors';
import { createTestDatabase, type TestDatabase } from '../helpers/harness';

describe('permanent database errors', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('permanent');
  });
  after(async () => {
    await db?.close();
  });

  const run = (activity: () => Promise<unknown>) => new MockActivityEnvironment(undefined, { interceptors: [permanentDatabaseErrors] }).run(activity);

  it('fail the activity for good when PostgreSQL refuses the data or the query', async () => {
    for (const [sql, code] of [
      ['SELECT 1/0', '22012'],
      ['SELECT * FROM no_such_table', '42P01'],
    ]) {
      const failure = await run(() => db.pool.query(sql)).then(
        () => assert.fail(`${sql} should fail`),
        (error: unknown) => error,
      );
      assert.ok(failure instanceof ApplicationFailure, String(failure));
      assert.deepEqual([failure.type, failure.nonRetryable], [PERMANENT_DATABASE_ERROR, true]);
      assert.match(failure.message, new RegExp(`^PostgreSQL ${code}: `));
    }
  });

  it('leave errors worth retrying as they are: a lost connection, a serialization failure, anything not from PostgreSQL', async () => {
    const serialization = Object.assign(new Error('could not serialize access'), { code: '40001', severity: 'ERROR' });
    const connection = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    for (const error of [serialization, connection, new TypeError('a bug')]) {
      assert.equal(isPermanentDatabaseError(error), false);
      assert.equal(await run(() => Promise.reject(error)).catch((thrown: unknown) => thrown), error);
    }
  });
});
