// Drift end to end through the API: app definitions applied from a config
// directory (start, reconfigure, stop), read and controlled over HTTP, with the
// real worker, dev server and PostgreSQL, a local HTTP state server as the live
// target, and a webhook receiver for the notifications.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { webhookNotifier } from '../../lib/adapters/notify';
import { driftStatusQuery, workflowIds } from '../../workflows/messages';
import { bearer, buildTestApi, type TestApi } from '../helpers/api';
import { eventually } from '../helpers/eventually';
import { watchSerialization, type SerializationWatch } from '../helpers/serialization';
import { connectTestTemporal, createTestDatabase, startTestWorkers, testConfig, uniqueName, type TestDatabase, type TestTemporal } from '../helpers/harness';
import { startReceiver, type Receiver } from '../notify/receiver';

describe('drift API and config apply', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let api: TestApi;
  let served: SerializationWatch;
  let server: Server;
  let receiver: Receiver;
  let baseUrl: string;
  let root: string;
  let stopWorkers: () => Promise<void>;
  /** The live objects of the HTTP state server. */
  const live = new Map<string, unknown>();
  const web = uniqueName('web').replace('_', '-');

  const get = (url: string) => api.app.inject({ method: 'GET', url, headers: bearer('read') });
  const post = (url: string, payload?: unknown, role: 'read' | 'operate' | 'admin' = 'operate') =>
    api.app.inject({ method: 'POST', url, headers: { ...bearer(role), 'content-type': 'application/json' }, payload: JSON.stringify(payload ?? {}) });

  function writeApps(apps: { name: string; mode: string; extra?: string }[]): void {
    writeFileSync(
      join(root, 'config', 'apps.yaml'),
      `apps:\n${apps
        .map(
          (entry) => `  - name: ${entry.name}
    mode: ${entry.mode}
    interval: 300ms
    jitter: 0s
    source: { type: directory, path: ${JSON.stringify(join(root, 'desired'))} }
    provider: { type: http, baseUrl: "${baseUrl}", applyMethod: PUT, headersEnv: { authorization: DRIFT_API_TEST_TOKEN } }
    sensitive: [/db/dsn]
${entry.extra ?? ''}`,
        )
        .join('')}`,
    );
  }

  before(async () => {
    process.env.DRIFT_API_TEST_TOKEN = 'Bearer live-secret';
    root = mkdtempSync(join(tmpdir(), 'vigil-drift-api-'));
    mkdirSync(join(root, 'config'));
    mkdirSync(join(root, 'desired'));
    writeFileSync(join(root, 'config', 'vigil.yaml'), '');
    writeFileSync(join(root, 'desired', 'web.yaml'), 'target: web\nstate: { replicas: 2, db: { dsn: "postgres://desired" }, adminPassword: hunter2 }\n');
    live.set('/state/web', { replicas: 2, db: { dsn: 'postgres://desired' }, adminPassword: 'hunter2' });
    server = createServer((request, response) => {
      if (request.headers.authorization !== 'Bearer live-secret') return response.writeHead(401).end();
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => {
        if (request.method === 'GET') {
          if (!live.has(request.url!)) return response.writeHead(404).end();
          return response.end(JSON.stringify(live.get(request.url!)));
        }
        live.set(request.url!, JSON.parse(text));
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
    baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/state`;
    receiver = await startReceiver();
    db = await createTestDatabase('driftapi');
    temporal = await connectTestTemporal();
    ({ stop: stopWorkers } = await startTestWorkers({
      taskQueuePrefix: temporal.taskQueuePrefix,
      pool: db.pool,
      config: testConfig({ dataDir: join(root, 'data') }),
      notifiers: [webhookNotifier({ name: 'test', url: receiver.url('/hooks/drift') })],
    }));
    api = await buildTestApi({ db, taskQueuePrefix: temporal.taskQueuePrefix, configDir: join(root, 'config') });
    served = watchSerialization(api.app);
  });
  after(async () => {
    await temporal.client.workflow
      .getHandle(workflowIds.drift(web))
      .terminate()
      .catch(() => {});
    await api.close();
    await stopWorkers();
    await receiver.close();
    server.close();
    await temporal.close();
    await db.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('POST /config/apply starts an app; GET /drift lists it in sync', async () => {
    writeApps([{ name: web, mode: 'detect' }]);
    const applied = await post('/api/v1/config/apply', undefined, 'admin');
    assert.equal(applied.statusCode, 200, applied.body);
    assert.deepEqual(applied.json().apps.started, [web]);
    const listed = await eventually(async () => {
      const response = await get('/api/v1/drift');
      const entry = response.json().find((candidate: { app: string }) => candidate.app === web);
      return entry?.status === 'in-sync' && entry.revision && entry;
    }, 'listed in sync');
    assert.equal(listed.mode, 'detect');
    assert.match(listed.revision, /^sha256:/);
    assert.equal(listed.workflowId, `drift/${web}`);
  });

  it('GET /drift/:app shows the drift with secrets redacted; history has the event; a webhook is told', async () => {
    live.set('/state/web', { replicas: 7, db: { dsn: 'postgres://live-changed' }, adminPassword: 'changed-pw' });
    const shown = await eventually(async () => {
      const body = (await get(`/api/v1/drift/${web}`)).json() as Record<string, any>;
      return body.status === 'drifted' ? body : undefined;
    }, 'drifted');
    const object = shown.diff.drifted[0];
    assert.equal(object.target, 'web');
    assert.deepEqual(
      object.changes.map((change: { path: string }) => change.path),
      ['/adminPassword', '/db/dsn', '/replicas'],
    );
    assert.deepEqual(object.changes[2], { kind: 'changed', path: '/replicas', desired: 2, live: 7 });
    const history = await get(`/api/v1/drift/${web}/history`);
    const everything = JSON.stringify([shown, history.json()]);
    assert.doesNotMatch(everything, /hunter2|changed-pw|postgres:\/\/|live-secret/, 'no secret in any answer');
    assert.ok(history.json().events.some((event: { status: string }) => event.status === 'drifted'));
    const told = await eventually(async () => receiver.requests.find((request) => (request.body as { kind?: string }).kind === 'drift-found'), 'drift-found webhook');
    const body = told.body as { service: string; summary: string; details: string[] };
    assert.equal(body.service, web);
    assert.match(body.summary, /3 field\(s\) in 1 object/);
    assert.doesNotMatch(JSON.stringify(body), /hunter2|changed-pw|postgres:\/\//);
  });

  it('POST /drift/:app/sync: dry run, apply, history with who and corrective', async () => {
    const dry = await post(`/api/v1/drift/${web}/sync`, { dryRun: true });
    assert.equal(dry.statusCode, 200, dry.body);
    assert.deepEqual([dry.json().outcome, dry.json().objects], ['dry-run', ['web']]);
    assert.deepEqual(live.get('/state/web'), { replicas: 7, db: { dsn: 'postgres://live-changed' }, adminPassword: 'changed-pw' });
    const synced = await post(`/api/v1/drift/${web}/sync`, {});
    assert.equal(synced.statusCode, 200, synced.body);
    assert.deepEqual([synced.json().outcome, synced.json().kind, synced.json().by], ['applied', 'corrective', 'operate-user']);
    assert.deepEqual(synced.json().fields, ['web /adminPassword', 'web /db/dsn', 'web /replicas']);
    assert.deepEqual(live.get('/state/web'), { replicas: 2, db: { dsn: 'postgres://desired' }, adminPassword: 'hunter2' });
    const history = (await get(`/api/v1/drift/${web}/history`)).json();
    assert.deepEqual([history.syncs[0].outcome, history.syncs[0].kind, history.syncs[0].by, history.syncs[0].trigger], ['applied', 'corrective', 'operate-user', 'manual']);
    assert.doesNotMatch(JSON.stringify(history), /hunter2|changed-pw|postgres:\/\//);
    const again = await post(`/api/v1/drift/${web}/sync`, {});
    assert.deepEqual([again.statusCode, again.json().outcome], [200, 'in-sync']);
    await eventually(async () => receiver.requests.some((request) => (request.body as { kind?: string }).kind === 'drift-healed'), 'drift-healed webhook');
  });

  it('pause and resume over the API; a paused app refuses a sync with 409', async () => {
    const paused = await post(`/api/v1/drift/${web}/pause`, { reason: 'freeze' });
    assert.equal(paused.statusCode, 202);
    await eventually(async () => (await get(`/api/v1/drift/${web}`)).json().status === 'paused', 'paused');
    const refused = await post(`/api/v1/drift/${web}/sync`, {});
    assert.deepEqual([refused.statusCode, refused.json().error], [409, 'refused']);
    assert.match(refused.json().message, /paused \(freeze\)/);
    assert.equal((await post(`/api/v1/drift/${web}/resume`)).statusCode, 202);
    await eventually(async () => (await get(`/api/v1/drift/${web}`)).json().status === 'in-sync', 'resumed');
  });

  it('sync windows through config: outside the window sync is 409 unless forced; reconfigure by apply', async () => {
    writeApps([{ name: web, mode: 'self-heal', extra: '    syncWindows: [{ kind: deny, cron: "* * * * *", duration: 2m }]\n' }]);
    const applied = await post('/api/v1/config/apply', undefined, 'admin');
    assert.deepEqual(applied.json().apps.reconfigured, [web]);
    await eventually(async () => (await temporal.client.workflow.getHandle(workflowIds.drift(web)).query(driftStatusQuery)).mode === 'self-heal', 'reconfigured');
    live.set('/state/web', { replicas: 3, db: { dsn: 'postgres://desired' }, adminPassword: 'hunter2' });
    const held = await eventually(async () => {
      const state = (await get(`/api/v1/drift/${web}`)).json();
      return state.status === 'drifted' && state.held && state;
    }, 'held by the deny window');
    assert.match(held.held, /in deny window/);
    const refused = await post(`/api/v1/drift/${web}/sync`, {});
    assert.equal(refused.statusCode, 409);
    assert.match(refused.json().message, /in deny window .*use force/);
    const forced = await post(`/api/v1/drift/${web}/sync`, { force: true });
    assert.deepEqual([forced.statusCode, forced.json().outcome], [200, 'applied']);
    assert.equal((live.get('/state/web') as { replicas: number }).replicas, 2);
  });

  it('bad input is a 4xx naming the field; unknown apps are 404; read cannot sync', async () => {
    const bad = await post(`/api/v1/drift/${web}/sync`, { force: 'yes' });
    assert.deepEqual([bad.statusCode, bad.json().field], [400, 'body.force']);
    const extra = await post(`/api/v1/drift/${web}/sync`, { everything: true });
    assert.equal(extra.statusCode, 400);
    assert.equal((await post(`/api/v1/drift/${web}/pause`, {})).json().field, 'body.reason');
    assert.equal((await post(`/api/v1/drift/${web}/sync`, {}, 'read')).statusCode, 403);
    assert.equal((await get('/api/v1/drift/no-such-app')).statusCode, 404);
    assert.equal((await post('/api/v1/drift/no-such-app/sync', {})).statusCode, 404);
    assert.equal((await post('/api/v1/drift/no-such-app/pause', { reason: 'x' })).statusCode, 404);
    assert.equal((await get('/api/v1/drift/Bad%20Name')).json().field, 'params.app');
  });

  it('an app removed from the configuration is stopped', async () => {
    writeApps([]);
    writeFileSync(join(root, 'config', 'apps.yaml'), 'apps: []\n');
    const applied = await post('/api/v1/config/apply', undefined, 'admin');
    assert.deepEqual(applied.json().apps.stopped, [web]);
    assert.equal((await get(`/api/v1/drift/${web}`)).statusCode, 404);
  });

  it('answers every request above with what its handler returned, in the shape its schema documents', () => {
    assert.ok(served.seen.length > 0);
    served.assertFaithful();
  });
});
