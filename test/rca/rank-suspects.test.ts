// rank_suspects on real parts: a running demo shop under load, a real Prometheus
// scraping its five services every second, and the triage tool activity asking
// it. A latency fault injected into payments makes payments the first suspect,
// of kind latency, with its callers behind it; the offline report built from that
// answer names payments, never "not determined".
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createTriageActivities } from '../../activities/triage';
import { createTriageToolActivities, type ToolCallInput } from '../../activities/triage-tools';
import { CALLEES, SERVICES } from '../../demo/shop/topology';
import { createLogger } from '../../lib/adapters/log';
import { offlineReport } from '../../lib/core/triage/offline';
import { createTestDatabase, testConfig, uniqueName, type TestDatabase } from '../helpers/harness';
import { startPrometheus, type TestPrometheus } from '../helpers/prometheus';
import { startTestShop, type TestShop } from '../helpers/shop';

const sleep = (ms: number) => new Promise((resolveWait) => setTimeout(resolveWait, ms));

describe('rank_suspects against a live shop', { timeout: 240_000 }, () => {
  let db: TestDatabase;
  let shop: TestShop;
  let prometheus: TestPrometheus;

  before(async () => {
    db = await createTestDatabase('rank_suspects');
    shop = await startTestShop({ rps: 10 });
    prometheus = await startPrometheus(SERVICES.map((service) => ({ job: `shop-${service}`, target: `127.0.0.1:${shop.ports[service]}`, labels: { service } })));
    await prometheus.waitFor('http_requests_total{service="payments"}');
  });
  after(async () => {
    await prometheus?.stop();
    await shop?.close();
    await db?.close();
  });

  async function rank(at: number): Promise<{ status: string; output: string }> {
    const config = testConfig({ llm: { sources: { prometheusUrl: prometheus.url, lokiUrl: '', logDir: shop.dir } } });
    const definitions = () => ({ services: SERVICES.map((name) => ({ kind: 'services' as const, name, source: 'test', spec: { name, dependsOn: [...CALLEES[name]] } })), apps: [] });
    const deps = { pool: db.pool, config, log: createLogger('silent'), identity: 'test', definitions };
    const activities = { ...createTriageActivities(deps), ...createTriageToolActivities(deps) };
    const triageId = `manual~${uniqueName('rank')}`;
    const alert = { labels: { alertname: 'ShopHighLatency', service: 'gateway' }, annotations: {} };
    await activities.startTriageRun({ triageId, workflowId: `triage/${triageId}`, source: 'manual', alert, gate: { investigate: true, reason: 'test' } });
    const call = { id: 'toolu_rank', name: 'rank_suspects', input: { at: String(at) } };
    await new MockActivityEnvironment().run(activities.runTriageTool, { triageId, turn: 1, call, labels: alert.labels } satisfies ToolCallInput);
    const { rows } = await db.pool.query<{ status: string; output: string }>('SELECT status, output FROM triage_tool_calls WHERE triage_id = $1', [triageId]);
    return rows[0];
  }

  it('names payments first, of kind latency, when payments slows down; the offline report says so', async () => {
    // A baseline: the 1-minute rates must fill before anything moves.
    await sleep(75_000);
    const quiet = await rank(Date.now() / 1000 - 5);
    assert.equal(quiet.status, 'ok', quiet.output);
    assert.match(quiet.output, /no service moved in the window/, quiet.output);

    const injected = Date.now() / 1000;
    const fault = await shop.ctl('fault', 'payments', 'latency', '--for', '3m');
    assert.equal(fault.code, 0, fault.stderr);
    await sleep(40_000);
    const ranked = await rank(injected + 20);
    assert.equal(ranked.status, 'ok', ranked.output);
    const lines = ranked.output.split('\n');
    assert.match(lines[1], /^1\. payments — latency, score /, ranked.output);
    assert.match(ranked.output, /^verdict: \{"service":"payments","kind":"latency"/m);

    const report = offlineReport({ labels: { alertname: 'ShopHighLatency', service: 'gateway' }, annotations: {} }, [{ id: 'offline_1', name: 'rank_suspects', status: 'ok', output: ranked.output }]);
    assert.deepEqual([report.rootCauseService, report.causeKind, report.offline], ['payments', 'latency', true]);
    assert.doesNotMatch(report.rootCause, /not determined/i);
    assert.match(report.summary, /payments is the likeliest origin \(latency\)/);
  });
});
