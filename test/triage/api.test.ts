// The Alertmanager webhook and the triage API through the real app, Temporal,
// worker set and PostgreSQL: dedupe, repeats, resolve, bad payloads (nothing
// started), the follow-up when an alert resolves after its report, manual
// triage, reading the transcript and its cost, cancel.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { workflowIdOf } from '../../lib/core/triage/ids';
import { taskQueues, triageProgressQuery } from '../../workflows/messages';
import { triageWorkflow } from '../../workflows/triage';
import type { Reply } from '../fixtures/anthropic';
import { bearer, buildTestApi, type TestApi } from '../helpers/api';
import { eventually } from '../helpers/eventually';
import { watchSerialization, type SerializationWatch } from '../helpers/serialization';
import { saveHistory } from '../helpers/histories';
import { uniqueName } from '../helpers/harness';
import { freePort } from '../helpers/ports';
import { alertmanagerPayload } from './alertmanager-payload';
import { startTriageRig, type TriageRig } from './setup';

const answer = (summary: string): Reply => ({
  content: [{ type: 'text', text: `\`\`\`json\n{"summary":"${summary}","rootCause":"x","evidence":[],"confidence":"low","nextSteps":[]}\n\`\`\`` }],
  stop_reason: 'end_turn',
});

describe('triage API', () => {
  let rig: TriageRig;
  let api: TestApi;
  let served: SerializationWatch;
  before(async () => {
    rig = await startTriageRig();
    api = await buildTestApi({
      db: rig.db,
      taskQueuePrefix: rig.temporal.taskQueuePrefix,
      config: { llm: { ...rig.config.llm, intake: { ...rig.config.llm.intake, maxAlerts: 5, maxLabelValueChars: 100, repeatWindowMs: 3_600_000, rememberAcksMs: 0 } } },
    });
    served = watchSerialization(api.app);
  });
  after(async () => {
    await api?.close();
    await rig?.close();
  });

  const post = (url: string, body: unknown, role: 'read' | 'operate' = 'operate') => api.app.inject({ method: 'POST', url, headers: bearer(role), payload: body as object });
  const fingerprint = () => uniqueName('f').replace('f_', 'ab');
  const runsOf = async (scenario: string) => (await rig.db.pool.query(`SELECT id, status FROM triage_runs WHERE labels->>'scenario' = $1`, [scenario])).rows;

  it('concurrent identical webhooks start exactly one triage per alert instance', async () => {
    rig.anthropic.script('dedupe', [answer('one triage')]);
    const fp = fingerprint();
    const body = alertmanagerPayload([{ scenario: 'dedupe', fingerprint: fp }]);
    const answers = await Promise.all(Array.from({ length: 6 }, () => post('/api/v1/alerts', body)));
    assert.deepEqual(
      answers.map((response) => response.statusCode),
      [202, 202, 202, 202, 202, 202],
    );
    const id = `${fp}~2026-11-23T10:00:00.123456789Z`;
    assert.ok(answers.every((response) => response.json().accepted === 1));
    const handle = rig.temporal.client.workflow.getHandle(workflowIdOf(id));
    await eventually(async () => (await handle.query(triageProgressQuery)).phase === 'following', 'the report out, the alert still firing');
    // A repeat while the triage waits for the alert to resolve joins it (USE_EXISTING).
    assert.deepEqual((await post('/api/v1/alerts', body)).json().started, [id]);
    await post('/api/v1/alerts', { ...alertmanagerPayload([{ scenario: 'dedupe', fingerprint: fp, status: 'resolved' }]), status: 'resolved' });
    assert.equal((await handle.result()).status, 'completed');
    assert.equal(rig.anthropic.billed('dedupe').length, 1);
    assert.deepEqual(await runsOf('dedupe'), [{ id, status: 'completed' }]);

    // Alertmanager repeats the firing alert later: within the repeat window nothing new starts.
    const repeat = await post('/api/v1/alerts', body);
    assert.equal(repeat.statusCode, 202);
    assert.deepEqual(repeat.json().repeats, [id]);
    assert.deepEqual(repeat.json().started, []);
    assert.equal(rig.anthropic.requests.filter((request) => request.scenario === 'dedupe').length, 1);
  });

  it('with rememberAcksMs, an API process answers identical firing alerts from what Temporal said', async () => {
    const remembering = await buildTestApi({ db: rig.db, taskQueuePrefix: rig.temporal.taskQueuePrefix, config: { llm: { ...rig.config.llm, followUpWindowMs: 0 } } });
    try {
      rig.anthropic.script('remembered', [answer('remembered once')]);
      const body = alertmanagerPayload([{ scenario: 'remembered', fingerprint: fingerprint() }]);
      const send = () => remembering.app.inject({ method: 'POST', url: '/api/v1/alerts', headers: bearer('operate'), payload: body });
      const answers = (await Promise.all([send(), send(), send()])).map((response) => response.json());
      assert.equal(answers.filter((json) => json.started.length === 1).length, 1, 'one start');
      assert.equal(answers.filter((json) => json.repeats.length === 1).length, 2, 'two repeats');
      const [id] = answers.find((json) => json.started.length === 1).started as string[];
      await rig.temporal.client.workflow.getHandle(workflowIdOf(id)).result();
      assert.deepEqual((await send()).json().repeats, [id]);
      assert.deepEqual(await runsOf('remembered'), [{ id, status: 'completed' }]);
      assert.equal(rig.anthropic.billed('remembered').length, 1);
    } finally {
      await remembering.close();
    }
  });

  it('a resolved alert signals its running triage; the transcript and budget are readable', async () => {
    rig.anthropic.script('api-resolve', [{ hold: true }, answer('resolved while investigating')]);
    const fp = fingerprint();
    const started = await post('/api/v1/alerts', alertmanagerPayload([{ scenario: 'api-resolve', fingerprint: fp }]));
    assert.equal(started.statusCode, 202);
    const [id] = started.json().started as string[];
    await eventually(async () => rig.anthropic.held() === 1, 'the model call in flight');
    const resolved = await post('/api/v1/alerts', { ...alertmanagerPayload([{ scenario: 'api-resolve', fingerprint: fp, status: 'resolved' }]), status: 'resolved' });
    assert.deepEqual(resolved.json().resolved, [id]);
    const handle = rig.temporal.client.workflow.getHandle(workflowIdOf(id));
    await eventually(async () => (await handle.query(triageProgressQuery)).resolvedAt !== undefined, 'resolved seen');
    const running = await api.app.inject({ method: 'GET', url: `/api/v1/triage/${encodeURIComponent(id)}`, headers: bearer('read') });
    assert.equal(running.statusCode, 200);
    assert.equal(running.json().status, 'running');
    assert.equal(running.json().progress.phase, 'investigating');
    rig.anthropic.release({ content: [{ type: 'tool_use', id: 'toolu_api1', name: 'get_runbook', input: {} }], stop_reason: 'tool_use' });
    await handle.result();

    const detail = (await api.app.inject({ method: 'GET', url: `/api/v1/triage/${encodeURIComponent(id)}`, headers: bearer('read') })).json();
    assert.equal(detail.status, 'completed');
    assert.equal(detail.report.summary, 'resolved while investigating');
    assert.ok(detail.resolvedAt);
    assert.deepEqual(
      detail.transcript.map((row: { turn: number; role: string }) => `${row.turn}:${row.role}`),
      ['1:user', '1:assistant', '2:user', '2:assistant'],
    );
    assert.equal(detail.toolCalls[0].toolUseId, 'toolu_api1');
    assert.match(detail.toolCalls[0].output, /runbook ShopDown\.md/);
    assert.equal(detail.budget.toolCalls, 1);
    const usage = detail.transcript[1].usage;
    assert.ok(usage.input + usage.cacheCreation + usage.cacheRead > 0);
    assert.match(detail.temporalUiUrl, /triage%2F/);
  });

  it('follows up in Slack once when the alert resolves after the report', async () => {
    rig.anthropic.script('follow-up', [answer('the shop ran out of disk')]);
    const fp = fingerprint();
    const startsAt = '2026-11-23T10:00:00Z';
    const [id] = (await post('/api/v1/alerts', alertmanagerPayload([{ scenario: 'follow-up', fingerprint: fp, startsAt }]))).json().started as string[];
    const handle = rig.temporal.client.workflow.getHandle(workflowIdOf(id));
    await eventually(async () => (await handle.query(triageProgressQuery)).phase === 'following', 'waiting for the alert to resolve');
    const messagesAbout = () => rig.slack.requests.filter((request) => JSON.stringify(request.body).includes(fp.slice(0, 8)) || JSON.stringify(request.body).includes('the shop ran out of disk'));
    assert.equal(messagesAbout().length, 1, 'the report, and nothing else yet');

    const resolved = { ...alertmanagerPayload([{ scenario: 'follow-up', fingerprint: fp, startsAt, status: 'resolved' }]), status: 'resolved' };
    assert.deepEqual((await post('/api/v1/alerts', resolved)).json().resolved, [id]);
    await post('/api/v1/alerts', resolved); // Alertmanager sends resolved again: still one follow-up
    const result = await handle.result();
    assert.equal(result.status, 'completed');
    const followUp = JSON.stringify(messagesAbout().at(-1)?.body);
    assert.equal(messagesAbout().length, 2);
    assert.match(followUp, /triaged alert resolved/);
    assert.match(followUp, /ShopDown resolved after \d+ (d|h|min)/);
    assert.match(followUp, /Triage said: the shop ran out of disk/);
    const detail = (await api.app.inject({ method: 'GET', url: `/api/v1/triage/${encodeURIComponent(id)}`, headers: bearer('read') })).json();
    assert.ok(detail.resolvedAt, 'the resolve is recorded with the triage');
    assert.equal((await handle.query(triageProgressQuery)).phase, 'done');
    await saveHistory(handle, 'triage-follow-up');
  });

  it('follows up when the alert resolves while the report is being delivered', async () => {
    rig.anthropic.script('resolve-while-reporting', [answer('resolved during delivery')]);
    const fp = fingerprint();
    rig.slack.hold = true;
    let id: string;
    try {
      [id] = (await post('/api/v1/alerts', alertmanagerPayload([{ scenario: 'resolve-while-reporting', fingerprint: fp }]))).json().started as string[];
      await eventually(async () => rig.slack.requests.some((request) => JSON.stringify(request.body).includes('resolved during delivery')), 'the report on its way to Slack');
      const resolved = { ...alertmanagerPayload([{ scenario: 'resolve-while-reporting', fingerprint: fp, status: 'resolved' }]), status: 'resolved' };
      assert.deepEqual((await post('/api/v1/alerts', resolved)).json().resolved, [id]);
    } finally {
      rig.slack.release();
    }
    await rig.temporal.client.workflow.getHandle(workflowIdOf(id)).result();
    const about = rig.slack.requests.filter((request) => JSON.stringify(request.body).includes('resolved during delivery'));
    assert.equal(about.length, 2, 'the report, then the follow-up');
    assert.match(JSON.stringify(about[1].body), /triaged alert resolved/);
  });

  it('cancelling a triage that waits for its alert to resolve ends it, with no follow-up', async () => {
    rig.anthropic.script('cancel-following', [answer('the queue is stuck')]);
    const [id] = (await post('/api/v1/alerts', alertmanagerPayload([{ scenario: 'cancel-following', fingerprint: fingerprint() }]))).json().started as string[];
    const handle = rig.temporal.client.workflow.getHandle(workflowIdOf(id));
    await eventually(async () => (await handle.query(triageProgressQuery)).phase === 'following', 'waiting for the alert to resolve');
    assert.equal((await post(`/api/v1/triage/${encodeURIComponent(id)}/cancel`, { reason: 'known issue' })).statusCode, 202);
    assert.equal((await handle.result()).status, 'completed');
    assert.equal(rig.slack.requests.filter((request) => JSON.stringify(request.body).includes('the queue is stuck')).length, 1, 'the report only');
    const again = await post(`/api/v1/triage/${encodeURIComponent(id)}/cancel`, {});
    assert.equal(again.statusCode, 409);
    await saveHistory(handle, 'triage-cancelled-following');
  });

  it('ends without a follow-up when the alert does not resolve within the window', async () => {
    rig.anthropic.script('no-follow-up', [answer('still burning')]);
    const handle = await rig.temporal.client.workflow.start(triageWorkflow, {
      taskQueue: taskQueues(rig.temporal.taskQueuePrefix).workflows,
      workflowId: `triage/${fingerprint()}/2026-11-23T10:00:00Z`,
      args: [
        {
          alert: { labels: { alertname: 'ShopDown', service: 'shop', scenario: 'no-follow-up' }, annotations: {}, startsAt: '2026-11-23T10:00:00Z' },
          source: 'alertmanager',
          settings: rig.settings({ followUpWindowMs: 1_000 }),
        },
      ],
    });
    assert.equal((await handle.result()).status, 'completed');
    const about = rig.slack.requests.filter((request) => JSON.stringify(request.body).includes('still burning'));
    assert.equal(about.length, 1, 'the report only');
  });

  it('rejects bad payloads with 400/413 naming the field, and starts nothing', async () => {
    const fp = fingerprint();
    const good = alertmanagerPayload([{ scenario: 'bad', fingerprint: fp }]);
    const cases: [unknown, number, string][] = [
      [{ ...good, version: '3' }, 400, 'body.version'],
      [{ ...good, alerts: undefined }, 400, 'body.alerts'],
      [{ ...good, alerts: Array.from({ length: 6 }, () => good.alerts[0]) }, 400, 'body.alerts'],
      [alertmanagerPayload([{ scenario: 'bad', fingerprint: fp, labels: { team: 'x'.repeat(101) } }]), 400, 'body.alerts.0.labels.team'],
      [alertmanagerPayload([{ scenario: 'bad', fingerprint: 'not-hex!' }]), 400, 'body.alerts.0.fingerprint'],
      [{ ...good, alerts: [{ ...good.alerts[0], startsAt: 'yesterday' }] }, 400, 'body.alerts.0.startsAt'],
      ...(['status', 'labels', 'startsAt', 'fingerprint'] as const).map((name): [unknown, number, string] => [
        { ...good, alerts: [{ ...good.alerts[0], [name]: undefined }] },
        400,
        `body.alerts.0.${name}`,
      ]),
      [{ ...good, status: undefined }, 400, 'body.status'],
    ];
    for (const [body, status, field] of cases) {
      const response = await post('/api/v1/alerts', body);
      assert.equal(response.statusCode, status, JSON.stringify(response.json()));
      assert.equal(response.json().field, field);
    }
    const malformed = await api.app.inject({ method: 'POST', url: '/api/v1/alerts', headers: { ...bearer('operate'), 'content-type': 'application/json' }, payload: '{"version": "4",' });
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.json().field, 'body');
    const huge = await api.app.inject({
      method: 'POST',
      url: '/api/v1/alerts',
      headers: { ...bearer('operate'), 'content-type': 'application/json' },
      payload: JSON.stringify({ ...good, groupKey: 'x'.repeat(1_100_000) }),
    });
    assert.equal(huge.statusCode, 413);
    assert.equal(huge.json().field, 'body');
    const unauthenticated = await api.app.inject({ method: 'POST', url: '/api/v1/alerts', payload: good });
    assert.equal(unauthenticated.statusCode, 401);
    assert.equal((await post('/api/v1/alerts', good, 'read')).statusCode, 403);
    assert.deepEqual(await runsOf('bad'), []);
    assert.equal(rig.anthropic.requests.filter((request) => request.scenario === 'bad').length, 0);
  });

  it('with Temporal unreachable the webhook answers 503, so Alertmanager sends it again; that retry starts the triage', async () => {
    const unreachable = await buildTestApi({
      db: rig.db,
      taskQueuePrefix: rig.temporal.taskQueuePrefix,
      temporalAddress: `127.0.0.1:${await freePort()}`,
      config: { llm: rig.config.llm, temporal: { rpcTimeoutMs: 1_000 } },
    });
    rig.anthropic.script('unreachable', [answer('started on the retry')]);
    const body = alertmanagerPayload([{ scenario: 'unreachable', fingerprint: fingerprint() }]);
    try {
      const refused = await unreachable.app.inject({ method: 'POST', url: '/api/v1/alerts', headers: bearer('operate'), payload: body });
      assert.equal(refused.statusCode, 503, refused.body);
      assert.equal(refused.json().error, 'unavailable');
    } finally {
      await unreachable.close();
    }
    const retried = await post('/api/v1/alerts', body);
    assert.equal(retried.statusCode, 202);
    const [id] = retried.json().started as string[];
    await eventually(
      async () => (await rig.db.pool.query(`SELECT report->>'summary' AS summary FROM triage_runs WHERE id = $1`, [id])).rows[0]?.summary === 'started on the retry',
      'the retry triaged',
    );
    // It now waits for the alert to resolve, to follow up: resolve it.
    await post('/api/v1/alerts', { ...alertmanagerPayload([{ scenario: 'unreachable', fingerprint: body.alerts[0].fingerprint, status: 'resolved' }]), status: 'resolved' });
    assert.equal((await rig.temporal.client.workflow.getHandle(workflowIdOf(id)).result()).status, 'completed');
  });

  it('starts a manual triage, lists it, and cancels a running one', async () => {
    // Usage as the API bills it, so the triage's cost has a known answer.
    const usage = { input_tokens: 2000, cache_creation_input_tokens: 1000, cache_read_input_tokens: 10_000, output_tokens: 400 };
    rig.anthropic.script('manual', [{ ...answer('manual done'), usage }]);
    const created = await post('/api/v1/triage', { labels: { alertname: 'ManualCheck', service: 'shop', scenario: 'manual' }, question: 'why is checkout slow?' });
    assert.equal(created.statusCode, 202);
    const { id } = created.json();
    assert.match(id, /^manual~/);
    await eventually(async () => (await rig.db.pool.query(`SELECT status FROM triage_runs WHERE id = $1`, [id])).rows[0]?.status === 'completed', 'manual triage done');
    assert.match(JSON.stringify(rig.anthropic.billed('manual')[0].body.messages[0]), /why is checkout slow\?/);
    // One claude-sonnet-5-5 turn at the default prices: 2000 × $3 + 1000 × $3.75 + 10,000 × $0.30 + 400 × $15 per million.
    const shown = (await api.app.inject({ method: 'GET', url: `/api/v1/triage/${encodeURIComponent(id)}`, headers: bearer('read') })).json();
    assert.equal(shown.transcript.find((row: { role: string }) => row.role === 'assistant').model, 'claude-sonnet-5-5');
    assert.deepEqual(shown.cost, { requests: 1, inputTokens: 2000, outputTokens: 400, cacheWriteTokens: 1000, cacheReadTokens: 10_000, dollars: 0.01875, unpriced: [] });
    const listed = await api.app.inject({ method: 'GET', url: '/api/v1/triage?alertname=ManualCheck&status=completed', headers: bearer('read') });
    assert.deepEqual(
      listed.json().map((row: { id: string; summary: string }) => [row.id, row.summary]),
      [[id, 'manual done']],
    );
    assert.equal((await api.app.inject({ method: 'GET', url: '/api/v1/triage?status=bogus', headers: bearer('read') })).statusCode, 400);
    const since = (at: Date) => api.app.inject({ method: 'GET', url: `/api/v1/triage?alertname=ManualCheck&since=${encodeURIComponent(at.toISOString())}`, headers: bearer('read') });
    assert.deepEqual(
      (await since(new Date(Date.now() - 3_600_000))).json().map((row: { id: string }) => row.id),
      [id],
    );
    assert.deepEqual((await since(new Date(Date.now() + 60_000))).json(), [], 'since: only triages started at or after it');

    rig.anthropic.script('manual-cancel', [{ hold: true }]);
    const second = (await post('/api/v1/triage', { labels: { alertname: 'ManualCheck', scenario: 'manual-cancel' } })).json();
    await eventually(async () => rig.anthropic.held() === 1, 'the model call in flight');
    const cancelled = await post(`/api/v1/triage/${encodeURIComponent(second.id)}/cancel`, { reason: 'not needed' });
    assert.equal(cancelled.statusCode, 202);
    await eventually(async () => (await rig.db.pool.query(`SELECT status FROM triage_runs WHERE id = $1`, [second.id])).rows[0]?.status === 'cancelled', 'cancelled');
    rig.anthropic.release();
    const again = await post(`/api/v1/triage/${encodeURIComponent(id)}/cancel`, {});
    assert.deepEqual([again.statusCode, again.json().message], [409, `triage "${id}" has already finished (completed)`]);
    assert.equal((await post('/api/v1/triage/manual~nope/cancel', {})).statusCode, 404);
    assert.equal((await api.app.inject({ method: 'GET', url: '/api/v1/triage/manual~nope', headers: bearer('read') })).statusCode, 404);
  });

  it('finds a triage right after it is started, before its first step has written its row', async () => {
    // An API on queues no worker polls: the triage is started and stays at its first step.
    const idle = await buildTestApi({ db: rig.db, taskQueuePrefix: uniqueName('idle') });
    const idleServed = watchSerialization(idle.app);
    try {
      const created = await idle.app.inject({ method: 'POST', url: '/api/v1/triage', headers: bearer('operate'), payload: { labels: { alertname: 'JustStarted' } } });
      assert.equal(created.statusCode, 202, created.body);
      const { id, workflowId } = created.json();
      const shown = await idle.app.inject({ method: 'GET', url: `/api/v1/triage/${encodeURIComponent(id)}`, headers: bearer('read') });
      assert.equal(shown.statusCode, 200, shown.body);
      assert.deepEqual([shown.json().status, shown.json().workflowId, shown.json().transcript, shown.json().report], ['running', workflowId, [], null]);
      assert.deepEqual(shown.json().cost, { requests: 0, inputTokens: 0, outputTokens: 0, cacheWriteTokens: 0, cacheReadTokens: 0, dollars: 0, unpriced: [] });
      idleServed.assertFaithful();
      await rig.temporal.client.workflow.getHandle(workflowId).terminate('test done');
    } finally {
      await idle.close();
    }
  });

  it('answers every request above with what its handler returned, in the shape its schema documents', () => {
    assert.ok(served.seen.length > 0);
    served.assertFaithful();
  });
});
