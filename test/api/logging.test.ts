// The API logs every request as JSON, and no secret reaches the log: not the
// bearer token, not a token's inline value, not the database password.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../lib/adapters/log';
import { bearer, buildTestApi, TOKENS, type TestApi } from '../helpers/api';
import { createTestDatabase, uniqueName, type TestDatabase } from '../helpers/harness';

describe('API logs', () => {
  let db: TestDatabase;
  let api: TestApi;
  const lines: string[] = [];

  before(async () => {
    db = await createTestDatabase('logging');
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    api = await buildTestApi({
      db,
      taskQueuePrefix: uniqueName('logging'),
      log: createLogger('debug', sink),
      config: {
        auth: { tokens: [{ name: 'inline', role: 'read', value: 'inline-secret-never-logged' }] },
        database: { url: 'postgres://vigil:db-password-never-logged@127.0.0.1:5432/vigil' },
      },
    });
  });
  after(async () => {
    await api.close();
    await db.close();
  });

  it('writes structured request lines without any secret in them', async () => {
    await api.app.inject({ method: 'GET', url: '/api/v1/status', headers: bearer('admin') });
    await api.app.inject({ method: 'GET', url: '/api/v1/config', headers: bearer('admin') });
    await api.app.inject({ method: 'GET', url: '/api/v1/status', headers: { authorization: 'Bearer wrong-token-never-logged' } });
    await api.app.inject({ method: 'POST', url: '/api/v1/selfcheck', headers: { ...bearer('operate'), 'content-type': 'application/json' }, payload: '{"note": 5}' });
    await new Promise((resolveFlush) => setImmediate(resolveFlush));

    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.ok(
      entries.some((entry) => entry.msg === 'incoming request'),
      'requests are logged',
    );
    assert.ok(
      entries.some((entry) => entry.msg === 'request rejected' && entry.field === 'body.note'),
      'rejections are logged with the field',
    );
    const all = lines.join('\n');
    for (const secret of [...Object.values(TOKENS), 'wrong-token-never-logged', 'inline-secret-never-logged', 'db-password-never-logged']) {
      assert.ok(!all.includes(secret), `"${secret}" must not be logged`);
    }
  });
});
