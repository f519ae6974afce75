// End to end: a real Prometheus scrapes a demo shop under load (job "shop", a
// `service` label per target, as `vigil up`'s Prometheus does); when payments is
// made to answer errors (`vigil-demo fault payments errors`), an alerting rule
// fires, a real Alertmanager delivers the webhook with a bearer token to Vigil's
// API (listening on a real port), the triage runs on the project's workers (the
// model is the Anthropic fixture, scripted to query Prometheus and then answer),
// its PromQL tool queries that same Prometheus, and the Slack receiver gets the
// report; when payments is healed, Alertmanager sends `resolved` and the triage
// posts its follow-up.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { slackNotifier } from '../../lib/adapters/notify';
import { startAnthropicFixture, type AnthropicFixture } from '../fixtures/anthropic';
import { startAlertmanager, type TestAlertmanager } from '../helpers/alertmanager';
import { bearer, buildTestApi, TOKENS, type TestApi } from '../helpers/api';
import { eventually } from '../helpers/eventually';
import { connectTestTemporal, createTestDatabase, startTestWorkers, testConfig, uniqueName, type TestDatabase, type TestTemporal } from '../helpers/harness';
import { freePort } from '../helpers/ports';
import { SERVICES } from '../../demo/shop/topology';
import { startPrometheus, type TestPrometheus } from '../helpers/prometheus';
import { startTestShop, type TestShop } from '../helpers/shop';
import { startReceiver, type Receiver } from '../notify/receiver';

// A test-only rule shaped like the shipped ShopHighErrorRate (monitoring/rules/shop.yml)
// with short windows and `for:`, so the test does not wait minutes: a service answering
// 5xx, unless its own calls fail (its callers, as payments' errors propagate to them).
const RULES = `groups:
  - name: vigil-e2e
    interval: 1s
    rules:
      - alert: ShopErrors
        expr: |
          sum by (service) (rate(http_requests_total{job="shop", code=~"5.."}[5s])) > 0
          unless on (service) sum by (service) (rate(http_client_requests_total{job="shop", code=~"5..|error"}[5s])) > 0
        for: 2s
        labels: { severity: page, scenario: e2e }
        annotations: { summary: "{{ $labels.service }} answers errors" }
`;

const ROOT_CAUSE = 'payments answers half of its charges with a 500';

describe('end to end: Prometheus alert → Alertmanager → Vigil triage → Slack', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let anthropic: AnthropicFixture;
  let slack: Receiver;
  let shop: TestShop;
  let api: TestApi;
  let alertmanager: TestAlertmanager;
  let prometheus: TestPrometheus;
  let workers: { stop(): Promise<void> } | undefined;
  const apiKeyEnv = uniqueName('TEST_ANTHROPIC_KEY').toUpperCase();

  before(async () => {
    db = await createTestDatabase('e2e');
    temporal = await connectTestTemporal();
    [anthropic, slack, shop] = await Promise.all([startAnthropicFixture(), startReceiver(), startTestShop({ rps: 5 })]);
    process.env[apiKeyEnv] = 'sk-ant-test-0123456789';
    const llm = { baseUrl: anthropic.baseURL, apiKeyEnv };
    // Vigil's API on a real port, so Alertmanager can reach it.
    const port = await freePort();
    const vigilUrl = `http://127.0.0.1:${port}`;
    api = await buildTestApi({ db, taskQueuePrefix: temporal.taskQueuePrefix, config: { llm, server: { publicUrl: vigilUrl } } });
    await api.app.listen({ host: '127.0.0.1', port });
    alertmanager = await startAlertmanager({ url: `${vigilUrl}/api/v1/alerts`, bearerToken: TOKENS.operate });
    const targets = SERVICES.map((service) => ({ job: 'shop', target: `127.0.0.1:${shop.ports[service]}`, labels: { service } }));
    prometheus = await startPrometheus(targets, { rules: RULES, alertmanager: alertmanager.address });
    const config = testConfig({ llm: { ...llm, sources: { prometheusUrl: prometheus.url } } });
    workers = await startTestWorkers({
      taskQueuePrefix: temporal.taskQueuePrefix,
      pool: db.pool,
      config,
      notifiers: [slackNotifier({ webhookUrl: slack.url('/services/T000/B000/secret') })],
    });
  });
  after(async () => {
    await workers?.stop();
    await Promise.all([prometheus?.stop(), alertmanager?.stop(), shop?.close()]);
    await api?.close();
    await Promise.all([anthropic?.close(), slack?.close()]);
    await temporal?.close();
    await db?.close();
    delete process.env[apiKeyEnv];
  });

  it('errors in payments fire the alert for payments only; the triage queries the same Prometheus, the report reaches Slack, and the recovery is followed up', async () => {
    anthropic.script('e2e', [
      {
        content: [
          { type: 'text', text: 'Let me look at the answers of payments.' },
          { type: 'tool_use', id: 'toolu_up', name: 'query_metrics', input: { query: 'http_requests_total{service="payments", code="500"}' } },
        ],
        stop_reason: 'tool_use',
      },
      {
        content: [
          {
            type: 'text',
            text: `Payments answers 500s.\n\`\`\`json\n${JSON.stringify({
              summary: 'ShopErrors: payments answers 500s',
              rootCause: ROOT_CAUSE,
              evidence: [{ claim: 'payments counts 500s on /charge', toolUseId: 'toolu_up' }],
              confidence: 'high',
              nextSteps: ['vigil-demo heal payments'],
            })}\n\`\`\``,
          },
        ],
        stop_reason: 'end_turn',
      },
    ]);
    // Healthy and scraped first: nothing fires, nothing is triaged.
    await prometheus.waitFor('count(up{job="shop"} == 1) == 5');
    await prometheus.waitFor('sum(rate(http_requests_total{job="shop", service="payments", code="200"}[5s])) > 0');
    assert.equal((await api.app.inject({ method: 'GET', url: '/api/v1/triage?alertname=ShopErrors', headers: bearer('read') })).json().length, 0);

    const failed = await shop.ctl('fault', 'payments', 'errors');
    assert.equal(failed.code, 0, failed.stdout + failed.stderr);

    // Rule → Alertmanager → webhook (bearer token of the operate role) → triage → done.
    const listed = await eventually(
      async () => {
        const rows = (await api.app.inject({ method: 'GET', url: '/api/v1/triage?alertname=ShopErrors', headers: bearer('read') })).json() as { id: string; status: string }[];
        return rows.length > 0 && rows.every((row) => row.status !== 'running') && rows;
      },
      'the ShopErrors triage to finish',
      120_000,
    );
    assert.equal(listed.length, 1, `one triage, for payments and not its callers: ${JSON.stringify(listed)}`);
    const { id } = listed[0];

    const detail = (await api.app.inject({ method: 'GET', url: `/api/v1/triage/${encodeURIComponent(id)}`, headers: bearer('read') })).json();
    assert.equal(detail.status, 'completed', JSON.stringify(detail.report));
    assert.equal(detail.source, 'alertmanager');
    assert.equal(detail.labels.service, 'payments', 'labels from the real Prometheus');
    assert.equal(detail.report.rootCause, ROOT_CAUSE);
    assert.deepEqual(
      detail.transcript.map((row: { turn: number; role: string }) => `${row.turn}:${row.role}`),
      ['1:user', '1:assistant', '2:user', '2:assistant'],
    );
    assert.equal(detail.toolCalls.length, 1);
    const [call] = detail.toolCalls;
    assert.equal(call.toolUseId, 'toolu_up');
    assert.equal(call.name, 'query_metrics');
    assert.equal(call.status, 'ok');
    // The real Prometheus's answer: payments' count of 500s, with the scrape's labels.
    const scraped = new RegExp(`^\\{[^\\n]*code="500",instance="127\\.0\\.0\\.1:${shop.ports.payments}",job="shop",[^\\n]*route="/charge",service="payments"\\} [1-9]\\d*$`, 'm');
    assert.match(call.output, scraped);

    // The model got that same output back as the tool_result of its tool_use.
    const billed = anthropic.billed('e2e');
    assert.equal(billed.length, 2);
    const results = billed[1].body.messages[2].content.filter((block) => block.type === 'tool_result');
    assert.deepEqual(
      results.map((block) => block.tool_use_id),
      ['toolu_up'],
    );
    assert.match(String(results[0].content), scraped);
    assert.match(JSON.stringify(billed[0].body.messages[0]), /ShopErrors/);

    // Slack: the report names the alert and the root cause, with a link back to Vigil.
    const posted = await eventually(async () => slack.requests.find((request) => JSON.stringify(request.body).includes(ROOT_CAUSE)), 'the report in Slack', 30_000);
    const text = JSON.stringify(posted.body);
    assert.match(text, /alert triaged/);
    assert.match(text, /Alert: ShopErrors/);
    assert.match(text, new RegExp(`Root cause: ${ROOT_CAUSE}`));
    assert.ok(text.includes(`/#triage=${encodeURIComponent(id)}|Open in Vigil`), text);

    // payments is healed: the rule stops firing, Alertmanager sends `resolved`, and the triage follows up once.
    const recovered = await shop.ctl('heal', 'payments');
    assert.equal(recovered.code, 0, recovered.stdout + recovered.stderr);
    const followUp = await eventually(async () => slack.requests.find((request) => JSON.stringify(request.body).includes('triaged alert resolved')), 'the follow-up in Slack', 60_000);
    const followUpText = JSON.stringify(followUp.body);
    assert.match(followUpText, /ShopErrors resolved after \d+ (s|min)/);
    assert.match(followUpText, /Triage said: ShopErrors: payments answers 500s/);
    const resolvedDetail = (await api.app.inject({ method: 'GET', url: `/api/v1/triage/${encodeURIComponent(id)}`, headers: bearer('read') })).json();
    assert.ok(resolvedDetail.resolvedAt, 'the resolve is recorded with the triage');
  });
});
