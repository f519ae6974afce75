// Every JSON route answers a body of another content type with 415 naming the
// type it reads (the docs promise it); text/plain used to be parsed as a string
// and fail validation with a 400.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, buildTestApi, type TestApi } from '../helpers/api';
import { createTestDatabase, uniqueName, type TestDatabase } from '../helpers/harness';

describe('API content types', () => {
  let db: TestDatabase;
  let api: TestApi;

  before(async () => {
    db = await createTestDatabase('content_type');
    api = await buildTestApi({ db, taskQueuePrefix: uniqueName('content-type') });
  });
  after(async () => {
    await api.close();
    await db.close();
  });

  const post = (url: string, contentType: string, payload: string) => api.app.inject({ method: 'POST', url, headers: { ...bearer('operate'), 'content-type': contentType }, payload });

  it('answers 415 naming application/json for a text/plain webhook', async () => {
    const response = await post('/api/v1/alerts', 'text/plain', JSON.stringify({ version: '4', alerts: [] }));
    assert.equal(response.statusCode, 415);
    assert.deepEqual(response.json(), { error: 'unsupported_media_type', message: 'body: content-type text/plain is not read here; send application/json', field: 'body' });
  });

  it('answers 415 for any content type but JSON on every route that takes a body', async () => {
    for (const [url, contentType] of [
      ['/api/v1/triage', 'text/plain; charset=utf-8'],
      ['/api/v1/selfcheck', 'text/plain'],
      ['/api/v1/metrics', 'application/x-www-form-urlencoded'],
      ['/api/v1/services/web/pause', 'application/xml'],
    ]) {
      const response = await post(url, contentType, 'reason=x');
      assert.equal(response.statusCode, 415, `${url} with ${contentType}`);
      assert.equal(response.json().error, 'unsupported_media_type');
      assert.match(response.json().message, /send application\/json$/);
    }
  });

  it('answers 415 for a body without a content type', async () => {
    const response = await api.app.inject({ method: 'POST', url: '/api/v1/alerts', headers: bearer('operate'), payload: '{"version":"4"}' });
    assert.equal(response.statusCode, 415);
    assert.equal(response.json().message, 'body: no content-type; send application/json');
  });

  it('still reads JSON, with or without a charset', async () => {
    const response = await post('/api/v1/selfcheck', 'application/json; charset=utf-8', JSON.stringify({ note: 42 }));
    assert.deepEqual([response.statusCode, response.json().field], [400, 'body.note']);
  });
});
