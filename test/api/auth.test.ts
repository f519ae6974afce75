import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { authenticate, apiToken, resolveTokens } from '../../api/auth-tokens';
import { bearer, buildTestApi, TOKENS, type TestApi } from '../helpers/api';
import { createTestDatabase, uniqueName, type TestDatabase } from '../helpers/harness';
import { watchSerialization, type SerializationWatch } from '../helpers/serialization';

describe('API auth: bearer tokens and roles', () => {
  let db: TestDatabase;
  let api: TestApi;
  let served: SerializationWatch;

  before(async () => {
    db = await createTestDatabase('auth');
    api = await buildTestApi({ db, taskQueuePrefix: uniqueName('auth') });
    served = watchSerialization(api.app);
  });
  after(async () => {
    await api.close();
    await db.close();
  });

  it('answers 401 with a JSON error and a challenge when no token is sent', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/api/v1/status' });
    assert.equal(response.statusCode, 401);
    assert.match(response.headers['www-authenticate'] as string, /^Bearer/);
    assert.deepEqual(response.json(), { error: 'unauthorized', message: 'missing bearer token' });
  });

  it('answers 401 for a wrong token and for a header that is not Bearer', async () => {
    const wrong = await api.app.inject({ method: 'GET', url: '/api/v1/status', headers: { authorization: 'Bearer not-a-real-token' } });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.json().message, 'unknown token');
    const basic = await api.app.inject({ method: 'GET', url: '/api/v1/status', headers: { authorization: `Basic ${TOKENS.admin}` } });
    assert.equal(basic.statusCode, 401);
    assert.match(basic.json().message, /Bearer <token>/);
  });

  it('answers 403 naming the role needed when the token’s role is too low', async () => {
    const readOnOperate = await api.app.inject({ method: 'POST', url: '/api/v1/selfcheck', headers: bearer('read'), payload: {} });
    assert.equal(readOnOperate.statusCode, 403);
    assert.deepEqual(readOnOperate.json(), {
      error: 'forbidden',
      message: 'this route needs the operate role; token "read-user" has read',
    });
    const operateOnAdmin = await api.app.inject({ method: 'GET', url: '/api/v1/config', headers: bearer('operate') });
    assert.equal(operateOnAdmin.statusCode, 403);
    assert.match(operateOnAdmin.json().message, /needs the admin role/);
  });

  it('lets each role through to the routes its rank allows', async () => {
    for (const role of ['read', 'operate', 'admin'] as const) {
      const response = await api.app.inject({ method: 'GET', url: '/api/v1/status', headers: bearer(role) });
      assert.equal(response.statusCode, 200, role);
      assert.deepEqual(response.json().you, { name: `${role}-user`, role });
    }
    const config = await api.app.inject({ method: 'GET', url: '/api/v1/config', headers: bearer('admin') });
    assert.equal(config.statusCode, 200);
    assert.equal(config.json().server.port, 8080);
  });

  it('never shows inline token secrets in the effective config', async () => {
    const withSecret = await buildTestApi({
      db,
      taskQueuePrefix: uniqueName('auth'),
      config: { auth: { tokens: [{ name: 'ci', role: 'read', value: 'super-secret-value-123456' }] } },
    });
    const secretServed = watchSerialization(withSecret.app);
    try {
      const response = await withSecret.app.inject({ method: 'GET', url: '/api/v1/config', headers: bearer('admin') });
      assert.equal(response.statusCode, 200);
      assert.doesNotMatch(response.body, /super-secret-value/);
      assert.equal(response.json().auth.tokens[0].value, '[redacted]');
      secretServed.assertFaithful();
    } finally {
      await withSecret.close();
    }
  });

  it('does not need the auth header for the dashboard and the OpenAPI document', async () => {
    assert.equal((await api.app.inject({ method: 'GET', url: '/' })).statusCode, 200);
    const openapi = await api.app.inject({ method: 'GET', url: '/docs/json' });
    assert.equal(openapi.statusCode, 200);
    assert.ok(openapi.json().paths['/api/v1/selfcheck'].post, 'selfcheck documented');
  });

  it('serves the API reference page and its assets itself, from no CDN', async () => {
    const page = await api.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(page.statusCode, 200);
    const sources = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    assert.ok(sources.length > 0);
    assert.deepEqual(
      sources.filter((source) => /^(https?:)?\/\//.test(source)),
      [],
      'no external asset',
    );
    const script = sources.find((source) => source.endsWith('.js'))!;
    const asset = await api.app.inject({ method: 'GET', url: new URL(script, 'http://x/docs/').pathname });
    assert.equal(asset.statusCode, 200);
  });

  it('answers every request above with what its handler returned, in the shape its schema documents', () => {
    assert.ok(served.seen.length > 0);
    served.assertFaithful();
  });
});

describe('token resolution and comparison', () => {
  it('reads secrets inline or from the named env var and reports the ones missing', () => {
    const { tokens, missing } = resolveTokens(
      [
        { name: 'inline', role: 'read', value: 'inline-secret-0123456789' },
        { name: 'from-env', role: 'operate', env: 'MY_TOKEN' },
        { name: 'unset', role: 'admin', env: 'NOT_SET_ANYWHERE' },
      ],
      { MY_TOKEN: 'env-secret-0123456789' },
    );
    assert.deepEqual(
      tokens.map((token) => token.name),
      ['inline', 'from-env'],
    );
    assert.deepEqual(missing, ['unset (env NOT_SET_ANYWHERE is not set)']);
    assert.deepEqual(authenticate(tokens, 'env-secret-0123456789'), { name: 'from-env', role: 'operate' });
  });

  it('matches whole tokens only, whatever their length', () => {
    const tokens = [apiToken('a', 'read', 'abcdefghijklmnop')];
    assert.equal(authenticate(tokens, 'abcdefghijklmno'), undefined);
    assert.equal(authenticate(tokens, 'abcdefghijklmnopq'), undefined);
    assert.equal(authenticate(tokens, ''), undefined);
    assert.deepEqual(authenticate(tokens, 'abcdefghijklmnop'), { name: 'a', role: 'read' });
  });
});
