// Services end to end: definitions applied to Temporal (start, reconfigure,
// stop), then read and controlled through the API, with the real worker,
// dev server and PostgreSQL, watching a real local HTTP service.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Definition } from '../../lib/core/config/definitions';
import { configFromObject } from '../../lib/adapters/config/load';
import { ServiceDefinition } from '../../lib/core/config/services';
import { validateDocument } from '../../lib/core/config/validate';
import { applyServices } from '../../lib/client/apply';
import type { ServiceSummary } from '../../api/schemas/services';
import { healthStatusQuery, workflowIds } from '../../workflows/messages';
import { bearer, buildTestApi, type TestApi } from '../helpers/api';
import { eventually } from '../helpers/eventually';
import { connectTestTemporal, createTestDatabase, startTestWorkers, uniqueName, type TestDatabase, type TestTemporal } from '../helpers/harness';
import { startOkServer, type OkServer } from '../helpers/ok-server';
import { watchSerialization, type SerializationWatch } from '../helpers/serialization';

describe('services API and config apply', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let api: TestApi;
  let server: OkServer;
  let port: number;
  let stopWorkers: () => Promise<void>;
  let served: SerializationWatch;
  const web = uniqueName('web').replace('_', '-');
  const cache = uniqueName('cache').replace('_', '-');

  function definition(name: string, interval = '300ms', extra: Record<string, unknown> = {}): Definition {
    const spec = { name, checks: [{ name: 'http', type: 'http', url: `http://127.0.0.1:${port}/`, interval, timeout: '1s' }], ...extra };
    assert.deepEqual(validateDocument(ServiceDefinition, spec, 'test'), []);
    return { kind: 'services', name, source: 'test.yaml', spec };
  }

  const apply = (services: Definition[]) => applyServices({ client: temporal.client, taskQueuePrefix: temporal.taskQueuePrefix, services });
  const get = (url: string) => api.app.inject({ method: 'GET', url, headers: bearer('read') });
  const post = (url: string, payload?: unknown) =>
    api.app.inject({ method: 'POST', url, headers: { ...bearer('operate'), 'content-type': 'application/json' }, payload: JSON.stringify(payload ?? {}) });

  before(async () => {
    db = await createTestDatabase('services');
    temporal = await connectTestTemporal();
    server = await startOkServer();
    port = server.port;
    ({ stop: stopWorkers } = await startTestWorkers({ taskQueuePrefix: temporal.taskQueuePrefix, pool: db.pool }));
    api = await buildTestApi({ db, taskQueuePrefix: temporal.taskQueuePrefix, config: configFromObject({ log: { level: 'silent' } }) });
    served = watchSerialization(api.app);
  });
  after(async () => {
    for (const name of [web, cache])
      await temporal.client.workflow
        .getHandle(workflowIds.health(name))
        .terminate()
        .catch(() => {});
    await api.close();
    await stopWorkers();
    server.close();
    await temporal.close();
    await db.close();
  });

  it('starts a loop per new service, and lists and shows them', async () => {
    assert.deepEqual(await apply([definition(web), definition(cache)]), { started: [web, cache], reconfigured: [], unchanged: [], stopped: [] });
    const listed = await eventually(async () => {
      const response = await get('/api/v1/services');
      const body = response.json() as { name: string; status: string }[];
      return body.length === 2 && body.every((service) => service.status === 'healthy') && body;
    }, 'both services listed as healthy');
    assert.deepEqual(
      listed.map((service) => service.name),
      [web, cache].sort(),
    );

    const detail = await get(`/api/v1/services/${web}`);
    assert.equal(detail.statusCode, 200);
    const body = detail.json();
    assert.equal(body.status, 'healthy');
    assert.equal(body.checks[0].name, 'http');
    assert.equal(body.workflowId, `health/${web}`);

    const history = await eventually(async () => {
      const response = (await get(`/api/v1/services/${web}/history?limit=5`)).json();
      return response.transitions.length === 1 && response;
    }, 'one transition');
    assert.deepEqual({ from: history.transitions[0].from, to: history.transitions[0].to }, { from: 'unknown', to: 'healthy' });
    assert.ok(history.checks.length >= 1 && history.checks.length <= 5);
    // A round is a number, as in the service's own view (its column is a bigint, which pg reads as text).
    assert.deepEqual([typeof history.transitions[0].round, typeof history.checks[0].round], ['number', 'number']);
    assert.ok(history.transitions[0].round <= body.round);
  });

  it('reconfigures a changed service, leaves an unchanged one, and stops a removed one', async () => {
    const report = await apply([definition(web, '1s')]);
    assert.deepEqual(report, { started: [], reconfigured: [web], unchanged: [], stopped: [cache] });
    // An apply with nothing changed sends no update: the loop's memo says it has the spec.
    const updates = async () =>
      (await temporal.client.workflow.getHandle(workflowIds.health(web)).fetchHistory()).events!.filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes).length;
    const updatesBefore = await updates();
    const again = await apply([definition(web, '1s')]);
    assert.deepEqual(again, { started: [], reconfigured: [], unchanged: [web], stopped: [] });
    assert.equal(await updates(), updatesBefore, 'no configure update was sent to an unchanged loop');
    const described = await temporal.client.workflow.getHandle(workflowIds.health(cache)).describe();
    assert.equal(described.status.name, 'TERMINATED');
    assert.equal((await get(`/api/v1/services/${cache}`)).statusCode, 404, 'a stopped loop is not found');
  });

  it('pauses and resumes through the API, recording who did it', async () => {
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const paused = await post(`/api/v1/services/${web}/pause`, { reason: 'deploying', until });
    assert.equal(paused.statusCode, 202);
    const status = await eventually(async () => (await temporal.client.workflow.getHandle(workflowIds.health(web)).query(healthStatusQuery)).paused, 'paused');
    assert.deepEqual(status, { reason: 'deploying', until: Date.parse(until), by: 'operate-user' });
    assert.equal((await post(`/api/v1/services/${web}/resume`)).statusCode, 202);
    await eventually(async () => (await get(`/api/v1/services/${web}`)).json().paused === undefined, 'resumed');
  });

  it('answers 404 for an unknown service, 400 for a bad pause, 403 for a reader', async () => {
    assert.equal((await get('/api/v1/services/nobody-here')).statusCode, 404);
    assert.equal((await post('/api/v1/services/nobody-here/pause', { reason: 'x' })).statusCode, 404);
    const past = await post(`/api/v1/services/${web}/pause`, { reason: 'x', until: '2001-01-01T00:00:00Z' });
    assert.deepEqual([past.statusCode, past.json().field], [400, 'body.until']);
    const noReason = await post(`/api/v1/services/${web}/pause`, {});
    assert.deepEqual([noReason.statusCode, noReason.json().field], [400, 'body.reason']);
    const badName = await get('/api/v1/services/Not%20A%20Name');
    assert.deepEqual([badName.statusCode, badName.json().field], [400, 'params.name']);
    const reader = await api.app.inject({ method: 'POST', url: `/api/v1/services/${web}/pause`, headers: { ...bearer('read'), 'content-type': 'application/json' }, payload: '{"reason":"x"}' });
    assert.equal(reader.statusCode, 403);
  });

  it('runs a remediation step on demand, refuses with the reason, and shows it in the audit trail with secrets redacted', async () => {
    const fixer = uniqueName('fixer').replace('_', '-');
    const ladder = [{ name: 'flush', action: { type: 'exec', argv: ['/bin/true', '--token', 'sup3r-s3cret', 'PASSWORD=hunter2'] } }];
    await apply([definition(web, '1s'), definition(fixer, '300ms', { remediation: { ladder, cooldown: '1h' } })]);
    await eventually(async () => (await get(`/api/v1/services/${fixer}`)).statusCode === 200, 'watched');

    const done = await post(`/api/v1/services/${fixer}/remediate`, { action: 'flush', reason: 'stale cache' });
    assert.equal(done.statusCode, 200, done.body);
    assert.deepEqual([done.json().step, done.json().status, done.json().decidedBy], ['flush', 'succeeded', 'operate-user']);

    const again = await post(`/api/v1/services/${fixer}/remediate`, { reason: 'again' });
    assert.equal(again.statusCode, 409);
    assert.match(again.json().message, /^in cooldown until /);
    const unknown = await post(`/api/v1/services/${fixer}/remediate`, { action: 'reboot', reason: 'x' });
    assert.deepEqual([unknown.statusCode, unknown.json().message], [409, 'unknown action "reboot"; ' + fixer + ' has: flush']);
    assert.equal((await post('/api/v1/services/nobody-here/remediate', { reason: 'x' })).statusCode, 404);

    const trail = await get(`/api/v1/actions?service=${fixer}`);
    assert.equal(trail.statusCode, 200);
    const [row] = trail.json();
    assert.equal(trail.json().length, 1);
    assert.deepEqual([row.step, row.type, row.status, row.decidedBy, row.reason, row.exitCode], ['flush', 'exec', 'succeeded', 'operate-user', 'stale cache', 0]);
    assert.equal(row.target, JSON.stringify(['/bin/true', '--token', '[redacted]', 'PASSWORD=[redacted]']));
    assert.doesNotMatch(trail.body, /sup3r-s3cret|hunter2/);
    assert.equal((await get('/api/v1/actions?since=not-a-date')).statusCode, 400);
    await temporal.client.workflow.getHandle(workflowIds.health(fixer)).terminate();
  });

  it('re-reads and applies the config directory on POST /config/apply (admin only)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-apply-'));
    const fresh = uniqueName('fresh').replace('_', '-');
    writeFileSync(join(dir, 'vigil.yaml'), '');
    writeFileSync(join(dir, 'services.yaml'), `services:\n  - name: ${fresh}\n    checks: [{ name: up, type: tcp, host: 127.0.0.1, port: ${port} }]\n  - name: Bad Name\n`);
    const applier = await buildTestApi({ db, taskQueuePrefix: temporal.taskQueuePrefix, configDir: dir });
    const applierServed = watchSerialization(applier.app);
    try {
      const adminPost = (url: string) => applier.app.inject({ method: 'POST', url, headers: bearer('admin') });
      const applied = await adminPost('/api/v1/config/apply');
      assert.equal(applied.statusCode, 200, applied.body);
      assert.deepEqual(applied.json().started, [fresh]);
      assert.ok(applied.json().stopped.includes(web), 'services no longer defined are stopped');
      assert.match(applied.json().rejected[0], /services\.yaml: services\[1\]\.name: must be a name/);
      const operator = await applier.app.inject({ method: 'POST', url: '/api/v1/config/apply', headers: bearer('operate') });
      assert.equal(operator.statusCode, 403);
      writeFileSync(join(dir, 'vigil.yaml'), 'server:\n  prot: 1\n');
      const invalid = await adminPost('/api/v1/config/apply');
      assert.deepEqual([invalid.statusCode, invalid.json().error], [400, 'invalid_config']);
      assert.match(invalid.json().message, /server\.prot: unknown key "prot"; did you mean "port"\?/);
      applierServed.assertFaithful();
    } finally {
      await temporal.client.workflow
        .getHandle(workflowIds.health(fresh))
        .terminate()
        .catch(() => {});
      await applier.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists every defined service, marking one whose loop is not running, and counts them in vigil_loops_not_running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-marked-'));
    const [kept, absent] = [uniqueName('kept'), uniqueName('absent')].map((name) => name.replace(/_/g, '-'));
    writeFileSync(join(dir, 'vigil.yaml'), '');
    writeFileSync(join(dir, 'services.yaml'), `services:\n${[kept, absent].map((name) => `  - name: ${name}\n    checks: [{ name: up, type: tcp, host: 127.0.0.1, port: ${port} }]\n`).join('')}`);
    const lister = await buildTestApi({ db, taskQueuePrefix: temporal.taskQueuePrefix, configDir: dir });
    const listerServed = watchSerialization(lister.app);
    const list = async () =>
      ((await lister.app.inject({ method: 'GET', url: '/api/v1/services', headers: bearer('read') })).json() as ServiceSummary[]).filter((service) => [kept, absent].includes(service.name));
    const notRunning = async () => (await lister.deps.metrics.registry.getSingleMetric('vigil_loops_not_running')!.get()).values.find((value) => value.labels.kind === 'health')?.value;
    try {
      await apply([definition(kept)]);
      const listed = await eventually(async () => {
        const body = await list();
        return body.find((service) => service.name === kept)?.loop === 'running' && body;
      }, 'the applied service running');
      assert.deepEqual(
        listed.find((service) => service.name === absent),
        { name: absent, status: 'unknown', loop: 'missing', workflowId: workflowIds.health(absent), temporalUiUrl: listed.find((service) => service.name === absent)?.temporalUiUrl },
      );
      assert.equal(await notRunning(), 1, 'the defined service that never started');

      const terminatedAt = Date.now();
      await temporal.client.workflow.getHandle(workflowIds.health(kept)).terminate('by hand (test)');
      const marked = (await list()).find((service) => service.name === kept)!;
      assert.equal(marked.loop, 'terminated');
      assert.equal(marked.status, 'unknown');
      assert.ok(Date.parse(marked.loopSince!) >= terminatedAt - 1000, `since ${marked.loopSince}`);
      assert.equal(await notRunning(), 2);
      listerServed.assertFaithful();
    } finally {
      await lister.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers every request above with what its handler returned, in the shape its schema documents', () => {
    assert.ok(
      served.seen.some((what) => what.startsWith(`GET /api/v1/services/${web}/history`)),
      served.seen.join('\n'),
    );
    served.assertFaithful();
  });
});
