// Pushed metrics: batches in, samples out, stored once however often a batch is sent.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, buildTestApi, type TestApi } from '../helpers/api';
import { createTestDatabase, uniqueName, type TestDatabase } from '../helpers/harness';
import { watchSerialization, type SerializationWatch } from '../helpers/serialization';

describe('pushed metrics API', () => {
  let db: TestDatabase;
  let api: TestApi;
  let served: SerializationWatch;

  before(async () => {
    db = await createTestDatabase('metrics');
    api = await buildTestApi({ db, taskQueuePrefix: uniqueName('metrics') });
    served = watchSerialization(api.app);
  });
  after(async () => {
    await api.close();
    await db.close();
  });

  const push = (payload: unknown, role: 'read' | 'operate' = 'operate') =>
    api.app.inject({ method: 'POST', url: '/api/v1/metrics', headers: { ...bearer(role), 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
  const read = (query: string) => api.app.inject({ method: 'GET', url: `/api/v1/metrics?${query}`, headers: bearer('read') });

  it('stores a batch once, even when the agent sends it again, and reads it back newest first', async () => {
    const batch = {
      service: 'web',
      metrics: [
        { name: 'cpu_percent', value: 41.5, ts: '2026-11-23T10:00:00Z', labels: { host: 'a', core: 'all' } },
        { name: 'cpu_percent', value: 93, ts: '2026-11-23T10:01:00Z', labels: { core: 'all', host: 'a' } },
        { name: 'mem_used_bytes', value: 1_234_567, ts: Date.parse('2026-11-23T10:01:00Z') },
      ],
    };
    const first = await push(batch);
    assert.equal(first.statusCode, 202, first.body);
    assert.deepEqual(first.json(), { accepted: 3, stored: 3 });
    assert.deepEqual((await push(batch)).json(), { accepted: 3, stored: 0 }, 'a retried batch is not stored twice');

    const cpu = await read('service=web&name=cpu_percent');
    assert.equal(cpu.statusCode, 200);
    assert.deepEqual(
      cpu.json().map((sample: { value: number; labels: object }) => [sample.value, sample.labels]),
      [
        [93, { core: 'all', host: 'a' }],
        [41.5, { core: 'all', host: 'a' }],
      ],
    );
    assert.equal((await read('service=web&since=2026-11-23T10:00:30Z')).json().length, 2);
    assert.deepEqual((await read('service=other')).json(), []);
  });

  it('names the field at fault, and keeps batches bounded', async () => {
    const badName = await push({ service: 'web', metrics: [{ name: 'cpu percent', value: 1 }] });
    assert.deepEqual([badName.statusCode, badName.json().field], [400, 'body.metrics.0.name']);
    const badValue = await push({ service: 'web', metrics: [{ name: 'cpu', value: '12' }] });
    assert.deepEqual([badValue.statusCode, badValue.json().field], [400, 'body.metrics.0.value']);
    const noService = await push({ metrics: [{ name: 'cpu', value: 1 }] });
    assert.deepEqual([noService.statusCode, noService.json().field], [400, 'body.service']);
    const tooMany = await push({ service: 'web', metrics: Array.from({ length: 1001 }, (_, index) => ({ name: 'x', value: index })) });
    assert.deepEqual([tooMany.statusCode, tooMany.json().field], [400, 'body.metrics']);
    const empty = await push({ service: 'web', metrics: [] });
    assert.equal(empty.statusCode, 400);
    assert.equal((await push({ service: 'web', metrics: [{ name: 'x', value: 1 }] }, 'read')).statusCode, 403);
    assert.equal((await read('name=cpu')).json().field, 'querystring.service');
  });

  it('answers every request above with what its handler returned, in the shape its schema documents', () => {
    assert.ok(served.seen.length > 0);
    served.assertFaithful();
  });
});
