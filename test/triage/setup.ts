// What the triage tests share: the run's Temporal and PostgreSQL, the Anthropic
// and Loki fixtures, a real Prometheus scraping a small service, a Slack
// receiver, runbooks in a temp dir, and the project's worker set configured
// against all of them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VigilConfig } from '../../lib/core/config/schema';
import type { HealthSpec } from '../../lib/core/health/spec';
import { createMetrics, type Metrics } from '../../lib/adapters/metrics';
import { slackNotifier, webhookNotifier } from '../../lib/adapters/notify';
import { triageSettings, type TriageSettings } from '../../lib/core/triage/settings';
import { startAnthropicFixture, type AnthropicFixture } from '../fixtures/anthropic';
import { startLokiFixture, type LokiFixture } from '../fixtures/loki';
import { connectTestTemporal, createTestDatabase, startTestWorkers, testConfig, uniqueName, type TestDatabase, type TestTemporal } from '../helpers/harness';
import { testHealthSpec } from '../helpers/health-spec';
import { startPrometheus, type TestPrometheus } from '../helpers/prometheus';
import { startReceiver, type Receiver } from '../notify/receiver';

export interface TriageRig {
  db: TestDatabase;
  temporal: TestTemporal;
  anthropic: AnthropicFixture;
  loki: LokiFixture;
  prometheus?: TestPrometheus;
  slack: Receiver;
  config: VigilConfig;
  /** The workers' instruments. */
  metrics: Metrics;
  apiKeyEnv: string;
  settings(overrides?: Partial<TriageSettings>): TriageSettings;
  close(): Promise<void>;
}

/** Where the rig's Slack notifier posts, and (with `webhook`) its generic JSON webhook, on the `slack` receiver. */
export const SLACK_PATH = '/services/T000/B000/secret';
export const WEBHOOK_PATH = '/hooks/ops';

export async function startTriageRig(options: { prometheus?: boolean; webhook?: boolean; config?: Record<string, unknown> } = {}): Promise<TriageRig> {
  const db = await createTestDatabase('triage');
  const temporal = await connectTestTemporal();
  const anthropic = await startAnthropicFixture();
  const now = Date.now();
  const loki = await startLokiFixture([
    { labels: { service: 'shop' }, at: now - 60_000, line: 'level=error msg="connection pool exhausted" db=orders' },
    { labels: { service: 'shop' }, at: now - 30_000, line: 'level=info msg="request served"' },
    { labels: { service: 'other' }, at: now - 20_000, line: 'level=error msg="not ours"' },
  ]);
  const slack = await startReceiver();
  let app: Server | undefined;
  let prometheus: TestPrometheus | undefined;
  if (options.prometheus) {
    app = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      response.end('# TYPE shop_db_pool_in_use gauge\nshop_db_pool_in_use 50\n# TYPE shop_db_pool_max gauge\nshop_db_pool_max 50\n');
    });
    await new Promise<void>((resolve) => app!.listen(0, '127.0.0.1', resolve));
    prometheus = await startPrometheus([{ job: 'shop', target: `127.0.0.1:${(app.address() as { port: number }).port}` }]);
    await prometheus.waitFor('shop_db_pool_in_use');
  }
  const runbooks = mkdtempSync(join(tmpdir(), 'vigil-runbooks-'));
  writeFileSync(join(runbooks, 'ShopDown.md'), '# ShopDown\n\n1. Check the database pool (shop_db_pool_in_use).\n2. Restart shop if the pool is stuck.\n');
  const apiKeyEnv = uniqueName('TEST_ANTHROPIC_KEY').toUpperCase();
  process.env[apiKeyEnv] = 'sk-ant-test-0123456789';
  const config = testConfig({
    llm: {
      baseUrl: anthropic.baseURL,
      apiKeyEnv,
      sources: { prometheusUrl: prometheus?.url ?? '', lokiUrl: loki.url, runbooksDir: runbooks },
    },
    ...options.config,
  });
  const metrics = createMetrics();
  const workers = await startTestWorkers({
    metrics,
    taskQueuePrefix: temporal.taskQueuePrefix,
    pool: db.pool,
    config,
    notifiers: [slackNotifier({ webhookUrl: slack.url(SLACK_PATH) }), ...(options.webhook ? [webhookNotifier({ name: 'ops', url: slack.url(WEBHOOK_PATH) })] : [])],
  });
  return {
    db,
    temporal,
    anthropic,
    loki,
    prometheus,
    slack,
    config,
    metrics,
    apiKeyEnv,
    // Read when a test starts its triage: a test that deletes the API key gets an offline triage, as the API would start it.
    settings: (overrides = {}) => ({ ...triageSettings(config, { temporalUiUrl: 'http://127.0.0.1:8233', namespace: 'default' }), publicUrl: 'http://vigil.test', ...overrides }),
    async close() {
      await workers.stop();
      await Promise.all([anthropic.close(), loki.close(), slack.close(), prometheus?.stop()]);
      app?.close();
      rmSync(runbooks, { recursive: true, force: true });
      await temporal.close();
      await db.close();
    },
  };
}

/** A health loop with no checks whose one ladder step, restart, appends a line to `counter`: how many times it ran. */
export function countingRestartSpec(service: string, counter: string): HealthSpec {
  return testHealthSpec(service, {
    ladder: [
      {
        name: 'restart',
        action: { type: 'exec', argv: [process.execPath, '-e', `require('fs').appendFileSync(${JSON.stringify(counter)}, 'x\\n')`], timeoutMs: 10_000, expectedExitCodes: [0] },
        settleMs: 0,
      },
    ],
    limits: { cooldownMs: 0, maxActions: 10, windowMs: 900_000 },
    flapping: { transitions: 100, windowMs: 600_000 },
  });
}

/** A scripted model turn whose final report proposes restarting `service`. */
export function proposingRestart(service: string) {
  const report = {
    summary: `${service} is wedged`,
    rootCause: 'stuck worker pool',
    evidence: [],
    confidence: 'high',
    nextSteps: ['restart'],
    remediation: { service, action: 'restart', reason: 'clears the stuck pool' },
  };
  return { content: [{ type: 'text' as const, text: `\`\`\`json\n${JSON.stringify(report)}\n\`\`\`` }], stop_reason: 'end_turn' as const };
}
