import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, buildTestApi, type TestApi } from '../helpers/api';
import { createTestDatabase, createTestWorkers, uniqueName, withWorkers, type TestDatabase } from '../helpers/harness';
import { freePort } from '../helpers/ports';

describe('API errors: one JSON shape, 4xx naming the field, never a 500 for bad input', () => {
  let db: TestDatabase;
  let api: TestApi;
  const taskQueuePrefix = uniqueName('errors');

  before(async () => {
    db = await createTestDatabase('errors');
    api = await buildTestApi({ db, taskQueuePrefix, config: { server: { bodyLimitBytes: 1024 } } });
  });
  after(async () => {
    await api.close();
    await db.close();
  });

  const post = (payload: string, contentType = 'application/json') =>
    api.app.inject({ method: 'POST', url: '/api/v1/selfcheck', headers: { ...bearer('operate'), 'content-type': contentType }, payload });

  it('names the field whose type is wrong', async () => {
    const response = await post(JSON.stringify({ note: 42 }));
    assert.equal(response.statusCode, 400);
    assert.deepEqual(response.json(), { error: 'invalid_request', message: 'body.note: must be string', field: 'body.note' });
  });

  it('names a field that is too long', async () => {
    const response = await post(JSON.stringify({ note: 'x'.repeat(201) }));
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().field, 'body.note');
    assert.match(response.json().message, /200 characters/);
  });

  it('rejects unknown fields instead of dropping them silently', async () => {
    const response = await post(JSON.stringify({ note: 'ok', nope: true }));
    assert.equal(response.statusCode, 400);
    assert.deepEqual(response.json(), { error: 'invalid_request', message: 'body.nope: is not a known field', field: 'body.nope' });
  });

  it('answers 400 for malformed JSON', async () => {
    const response = await post('{"note": ');
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().error, 'invalid_request');
    assert.equal(response.json().field, 'body');
    assert.match(response.json().message, /^body: not valid JSON/);
  });

  it('answers 413 for a body over the configured limit', async () => {
    const response = await post(JSON.stringify({ note: 'x'.repeat(2_000) }));
    assert.equal(response.statusCode, 413);
    assert.deepEqual(response.json(), { error: 'payload_too_large', message: 'body: larger than the limit of 1024 bytes', field: 'body' });
  });

  it('answers 415 for a content type the API does not read', async () => {
    const response = await post('note=hello', 'application/x-www-form-urlencoded');
    assert.equal(response.statusCode, 415);
    assert.equal(response.json().error, 'unsupported_media_type');
  });

  it('answers 404 with the same shape for unknown routes', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/api/v1/nothing-here?x=1', headers: bearer('admin') });
    assert.equal(response.statusCode, 404);
    assert.deepEqual(response.json(), { error: 'not_found', message: 'no route GET /api/v1/nothing-here' });
  });

  it('runs the self check when the body is right and a worker is there', async () => {
    const { workers, connection } = await createTestWorkers({ taskQueuePrefix, pool: db.pool });
    try {
      const response = await withWorkers(workers, () => post(JSON.stringify({ note: 'from the API' })));
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json();
      assert.match(body.workflowId, /^selfcheck\//);
      assert.equal(body.temporalUiUrl, `http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(body.workflowId)}`);
      const { rows } = await db.pool.query('SELECT requested_by, note FROM self_checks WHERE workflow_id = $1', [body.workflowId]);
      assert.deepEqual(rows, [{ requested_by: 'operate-user', note: 'from the API' }]);
    } finally {
      await connection.close();
    }
  });

  it('answers 503 (not 500) when Temporal cannot be reached', async () => {
    const unreachable = await buildTestApi({
      db,
      taskQueuePrefix,
      temporalAddress: `127.0.0.1:${await freePort()}`,
      config: { temporal: { rpcTimeoutMs: 1_000 } },
    });
    try {
      const response = await unreachable.app.inject({
        method: 'POST',
        url: '/api/v1/selfcheck',
        headers: { ...bearer('operate'), 'content-type': 'application/json' },
        payload: '{}',
      });
      assert.equal(response.statusCode, 503);
      assert.equal(response.json().error, 'unavailable');
      assert.match(response.json().message, /self check did not complete/);
    } finally {
      await unreachable.close();
    }
  });
});
