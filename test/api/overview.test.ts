// The dashboard's data: GET /api/v1/overview and its live form, the server-sent
// events of GET /api/v1/events, over a real port with the real worker, dev
// server and PostgreSQL: a watched service, a remediation it ran and a manual
// triage (the offline investigator, no API key) all show up, and a pause
// reaches an open stream without asking again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Definition } from '../../lib/core/config/definitions';
import { ServiceDefinition } from '../../lib/core/config/services';
import { validateDocument } from '../../lib/core/config/validate';
import { applyServices } from '../../lib/client/apply';
import type { Overview } from '../../api/schemas/overview';
import { workflowIds } from '../../workflows/messages';
import { bearer, buildTestApi, TOKENS, type TestApi } from '../helpers/api';
import { eventually } from '../helpers/eventually';
import { connectTestTemporal, createTestDatabase, startTestWorkers, uniqueName, type TestDatabase, type TestTemporal } from '../helpers/harness';
import { startOkServer, type OkServer } from '../helpers/ok-server';
import { freePort } from '../helpers/ports';
import { openEventStream } from '../helpers/event-stream';
import { watchSerialization, type SerializationWatch } from '../helpers/serialization';

describe('overview and live events', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let api: TestApi;
  let apiUrl: string;
  let checked: OkServer;
  let workers: { stop(): Promise<void> } | undefined;
  let served: SerializationWatch;
  const service = uniqueName('shop').replace('_', '-');

  const post = (url: string, payload: unknown) => api.app.inject({ method: 'POST', url, headers: { ...bearer('operate'), 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
  const overview = async (target = api) => {
    const response = await target.app.inject({ method: 'GET', url: '/api/v1/overview', headers: bearer('read') });
    assert.equal(response.statusCode, 200, response.body);
    return response.json() as Overview;
  };

  before(async () => {
    db = await createTestDatabase('overview');
    temporal = await connectTestTemporal();
    checked = await startOkServer();
    workers = await startTestWorkers({ taskQueuePrefix: temporal.taskQueuePrefix, pool: db.pool });
    api = await buildTestApi({ db, taskQueuePrefix: temporal.taskQueuePrefix, config: { server: { events: { pollMs: 200 } } } });
    served = watchSerialization(api.app);
    const apiPort = await freePort();
    await api.app.listen({ host: '127.0.0.1', port: apiPort });
    apiUrl = `http://127.0.0.1:${apiPort}`;

    const spec = {
      name: service,
      checks: [{ name: 'http', type: 'http', url: `http://127.0.0.1:${checked.port}/`, interval: '300ms', timeout: '1s' }],
      remediation: { ladder: [{ name: 'flush', action: { type: 'exec', argv: ['/bin/true'] } }], cooldown: '1h' },
    };
    assert.deepEqual(validateDocument(ServiceDefinition, spec, 'test'), []);
    const definition: Definition = { kind: 'services', name: service, source: 'test.yaml', spec };
    await applyServices({ client: temporal.client, taskQueuePrefix: temporal.taskQueuePrefix, services: [definition] });
  });
  after(async () => {
    await temporal.client.workflow
      .getHandle(workflowIds.health(service))
      .terminate()
      .catch(() => {});
    await api?.close();
    await workers?.stop();
    checked?.close();
    await temporal?.close();
    await db?.close();
  });

  it('GET /overview shows the watched services, the latest remediation actions and triages', async () => {
    await eventually(async () => (await overview()).services.some((entry) => entry.name === service && entry.status === 'healthy'), 'the service listed as healthy');
    const remediated = await post(`/api/v1/services/${service}/remediate`, { action: 'flush', reason: 'stale cache' });
    assert.equal(remediated.statusCode, 200, remediated.body);
    const started = await post('/api/v1/triage', { labels: { alertname: 'ShopSlow', service }, annotations: { summary: 'p99 <b>above</b> 2s' } });
    assert.equal(started.statusCode, 202, started.body);

    const seen = await eventually(async () => {
      const body = await overview();
      return body.triages.some((triage) => triage.id === started.json().id && triage.status === 'completed') && body;
    }, 'the manual triage listed as completed');
    assert.deepEqual(seen.problems, []);
    const [service0] = seen.services;
    assert.deepEqual(
      [service0.name, service0.workflowId, service0.temporalUiUrl],
      [service, `health/${service}`, `http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(`health/${service}`)}`],
    );
    const [action] = seen.actions;
    assert.deepEqual([action.service, action.step, action.type, action.status, action.decidedBy, action.reason], [service, 'flush', 'exec', 'succeeded', 'operate-user', 'stale cache']);
    assert.equal('output' in action, false, 'the overview leaves action output to GET /actions');
    const triage = seen.triages.find((entry) => entry.id === started.json().id)!;
    assert.deepEqual([triage.alertname, triage.service, triage.source, triage.awaitingApproval], ['ShopSlow', service, 'manual', false]);
    assert.ok(triage.summary, 'the offline report has a summary');
    assert.equal('budget' in triage, false);
    assert.deepEqual(seen.drift, []);

    // The list route says the same about approval.
    const listed = await api.app.inject({ method: 'GET', url: '/api/v1/triage?alertname=ShopSlow', headers: bearer('read') });
    assert.equal(listed.json()[0].awaitingApproval, false);
    // And the whole triage: the offline investigator's report and the tool calls it made.
    const detail = await api.app.inject({ method: 'GET', url: `/api/v1/triage/${encodeURIComponent(triage.id)}`, headers: bearer('read') });
    assert.equal(detail.statusCode, 200, detail.body);
    assert.deepEqual([detail.json().report.offline, detail.json().labels, detail.json().source], [true, { alertname: 'ShopSlow', service }, 'manual']);
    assert.ok(detail.json().toolCalls.length > 0, 'the offline investigator ran its tools');
  });

  it('GET /events sends the overview at once, then again when a service is paused', async () => {
    const stream = await openEventStream(`${apiUrl}/api/v1/events`, TOKENS.read);
    try {
      assert.equal(stream.contentType, 'text/event-stream; charset=utf-8');
      const first = await stream.next('overview');
      const shown = (event: { data: string }) => (JSON.parse(event.data) as Overview).services.find((entry) => entry.name === service);
      assert.ok(shown(first), 'the first event lists the service');
      assert.equal(shown(first)!.paused, undefined);

      const paused = await api.app.inject({
        method: 'POST',
        url: `/api/v1/services/${service}/pause`,
        headers: { ...bearer('operate'), 'content-type': 'application/json' },
        payload: JSON.stringify({ reason: 'maintenance' }),
      });
      assert.equal(paused.statusCode, 202, paused.body);
      let latest = first;
      while (!shown(latest)!.paused) latest = await stream.next('overview');
      assert.deepEqual(shown(latest)!.paused, { reason: 'maintenance', by: 'operate-user' });
      assert.equal(shown(latest)!.status, 'healthy', 'checks go on while remediation is paused');

      const resumed = await post(`/api/v1/services/${service}/resume`, {});
      assert.equal(resumed.statusCode, 202, resumed.body);
      while (shown(latest)!.paused) latest = await stream.next('overview');
    } finally {
      stream.close();
    }
  });

  it('refuses a stream without a token, and one beyond server.events.maxClients', async () => {
    const anonymous = await fetch(`${apiUrl}/api/v1/events`);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(((await anonymous.json()) as { message: string }).message, 'missing bearer token');

    const small = await buildTestApi({ db, taskQueuePrefix: temporal.taskQueuePrefix, config: { server: { events: { pollMs: 200, maxClients: 1 } } } });
    const port = await freePort();
    await small.app.listen({ host: '127.0.0.1', port });
    const first = await openEventStream(`http://127.0.0.1:${port}/api/v1/events`, TOKENS.read);
    try {
      await first.next('overview');
      const second = await fetch(`http://127.0.0.1:${port}/api/v1/events`, { headers: { authorization: `Bearer ${TOKENS.read}` } });
      assert.equal(second.status, 503);
      assert.match(((await second.json()) as { message: string }).message, /server\.events\.maxClients is 1/);
    } finally {
      first.close();
      await small.close();
    }
  });

  it('ends open streams when the API shuts down', async () => {
    const closing = await buildTestApi({ db, taskQueuePrefix: temporal.taskQueuePrefix, config: { server: { events: { pollMs: 200 } } } });
    const port = await freePort();
    await closing.app.listen({ host: '127.0.0.1', port });
    const stream = await openEventStream(`http://127.0.0.1:${port}/api/v1/events`, TOKENS.read);
    await stream.next('overview');
    await closing.close();
    assert.equal(await stream.ended, true, 'the stream ended');
  });

  it('with Temporal unreachable, still shows what PostgreSQL knows and names what it could not read', async () => {
    const cut = await buildTestApi({ db, taskQueuePrefix: temporal.taskQueuePrefix, temporalAddress: `127.0.0.1:${await freePort()}`, config: { temporal: { rpcTimeoutMs: 2000 } } });
    try {
      const body = await overview(cut);
      assert.deepEqual(body.problems.map((problem) => problem.split(':')[0]).sort(), ['drift', 'services']);
      assert.deepEqual([body.services, body.drift], [[], []]);
      assert.ok(body.triages.length >= 1, 'triages come from PostgreSQL');
      assert.ok(body.actions.length >= 1, 'actions come from PostgreSQL');
    } finally {
      await cut.close();
    }
  });

  it('serves the dashboard with a content security policy that allows nothing inline or from elsewhere', async () => {
    const page = await api.app.inject({ method: 'GET', url: '/' });
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /^text\/html/);
    const policy = page.headers['content-security-policy'] as string;
    assert.match(policy, /default-src 'self'/);
    assert.match(policy, /script-src 'self';/);
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
  });

  it('answers every request above with what its handler returned, in the shape its schema documents', () => {
    assert.ok(served.seen.length > 0);
    served.assertFaithful();
  });
});
