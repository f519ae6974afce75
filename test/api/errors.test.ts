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

  it('refuses the NUL character anywhere in a request (PostgreSQL cannot store it), naming where it is', async () => {
    const inBody = await post(JSON.stringify({ note: 'a\u0000b' }));
    assert.equal(inBody.statusCode, 400);
    assert.deepEqual(inBody.json(), { error: 'invalid_request', message: 'body.note: must not contain the NUL character (\\u0000)', field: 'body.note' });
    const inName = await api.app.inject({
      method: 'POST',
      url: '/api/v1/triage',
      headers: { ...bearer('operate'), 'content-type': 'application/json' },
      payload: JSON.stringify({ labels: { alertname: 'Down' }, annotations: { 'a\u0000': 'x' } }),
    });
    assert.deepEqual([inBody.statusCode, inName.json().field], [400, 'body.annotations.a\\u0000']);
    const inQuery = await api.app.inject({ method: 'GET', url: '/api/v1/triage?alertname=Down%00', headers: bearer('read') });
    assert.deepEqual([inQuery.statusCode, inQuery.json().field], [400, 'querystring.alertname']);
  });

  it('names a label whose name is not a label name, and an epoch time past what a date can hold', async () => {
    const label = await api.app.inject({
      method: 'POST',
      url: '/api/v1/metrics',
      headers: { ...bearer('operate'), 'content-type': 'application/json' },
      payload: JSON.stringify({ service: 'web', metrics: [{ name: 'up', value: 1, labels: { 'x-bad': 'y' } }] }),
    });
    assert.equal(label.statusCode, 400);
    assert.deepEqual(label.json(), {
      error: 'invalid_request',
      message: 'body.metrics.0.labels.x-bad: is not a valid name (must match ^[a-zA-Z_][a-zA-Z0-9_]{0,99}$)',
      field: 'body.metrics.0.labels.x-bad',
    });
    const farFuture = await api.app.inject({
      method: 'POST',
      url: '/api/v1/metrics',
      headers: { ...bearer('operate'), 'content-type': 'application/json' },
      payload: JSON.stringify({ service: 'web', metrics: [{ name: 'up', value: 1, ts: 1.6876e18 }] }),
    });
    assert.equal(farFuture.statusCode, 400, farFuture.body);
    assert.match(farFuture.json().field, /^body\.metrics\.0\.ts/);
  });

  it('documents limit parameters as optional, with their default', async () => {
    const document = (await api.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const parameters = document.paths['/api/v1/actions'].get.parameters as { name: string; required?: boolean; schema: { default?: number } }[];
    const limit = parameters.find((parameter) => parameter.name === 'limit')!;
    assert.deepEqual([limit.required ?? false, limit.schema.default], [false, 100]);
  });

  it('answers 404 with the same shape for unknown routes', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/api/v1/nothing-here?x=1', headers: bearer('admin') });
    assert.equal(response.statusCode, 404);
    assert.deepEqual(response.json(), { error: 'not_found', message: 'no route GET /api/v1/nothing-here' });
    assert.equal((await api.app.inject({ method: 'POST', url: '/api/v1/nothing-here', headers: bearer('admin') })).statusCode, 404);
  });

  it('answers 405 with an Allow header for a known path asked with a method it does not take', async () => {
    const response = await api.app.inject({ method: 'DELETE', url: '/api/v1/status', headers: bearer('admin') });
    assert.equal(response.statusCode, 405);
    assert.equal(response.headers.allow, 'GET, HEAD');
    assert.deepEqual(response.json(), { error: 'method_not_allowed', message: '/api/v1/status does not take DELETE; it takes GET, HEAD' });
    const withParams = await api.app.inject({ method: 'PUT', url: '/api/v1/services/web/pause', headers: bearer('admin') });
    assert.deepEqual([withParams.statusCode, withParams.headers.allow], [405, 'POST']);
    // A method that carries a body, sent without a content type: still 405, not a complaint about the body.
    const query = await api.app.inject({ method: 'QUERY' as 'GET', url: '/api/v1/status', headers: bearer('admin') });
    assert.deepEqual([query.statusCode, query.headers.allow], [405, 'GET, HEAD']);
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
