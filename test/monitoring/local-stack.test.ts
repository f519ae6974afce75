// `vigil up`'s Prometheus and Alertmanager, real ones started by the adapter
// (lib/adapters/monitoring/local-stack.ts) with the configs `vigil up` writes,
// on free ports: Prometheus scrapes a small target with the shop's metric names,
// loads the shipped rules, and an always-firing rule reaches a webhook through
// Alertmanager with the bearer token from the token file. Stopping leaves no
// process; a leftover is found by its own dataDir only.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ALERTMANAGER_TOOL, PROMETHEUS_TOOL, provisionMonitoringTools } from '../../lib/adapters/monitoring/binaries';
import {
  alertmanagerPaths,
  loadOrCreateAlertmanagerToken,
  prometheusPaths,
  startLocalAlertmanager,
  startLocalPrometheus,
  stopLeftoverMonitoring,
  type LocalProcess,
} from '../../lib/adapters/monitoring/local-stack';
import { isAlive } from '../../lib/adapters/process/child';
import { alertmanagerConfigYaml, prometheusConfigYaml } from '../../lib/core/monitoring/local-stack';
import { ALERTMANAGER_BINARY } from '../helpers/alertmanager';
import { eventually } from '../helpers/eventually';
import { freePort } from '../helpers/ports';
import { PROMETHEUS_BINARY } from '../helpers/prometheus';

const RULES = join(__dirname, '..', '..', 'monitoring', 'rules', '*.yml');
const METRICS = [
  '# TYPE http_requests_total counter',
  'http_requests_total{method="POST",route="/pay",code="200"} 42',
  '# TYPE http_client_requests_total counter',
  'http_client_requests_total{target="db",code="error"} 0',
  '# TYPE db_pool_connections_in_use gauge',
  'db_pool_connections_in_use 3',
  '# TYPE db_pool_connections_max gauge',
  'db_pool_connections_max 10',
  '# TYPE process_cpu_seconds_total counter',
  'process_cpu_seconds_total 1.5',
  '',
].join('\n');

interface Received {
  authorization?: string;
  body: { alerts: { labels: Record<string, string>; status: string }[] };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

const json = async (url: string) => (await (await fetch(url)).json()) as { data: any };

describe('local Prometheus and Alertmanager (real processes)', { timeout: 90_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-local-stack-'));
  const received: Received[] = [];
  let target: Server;
  let webhook: Server;
  let targetPort: number;
  let webhookPort: number;
  let prometheus: LocalProcess | undefined;
  let alertmanager: LocalProcess | undefined;

  before(async () => {
    target = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(METRICS));
    webhook = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push({ authorization: request.headers.authorization, body: JSON.parse(body) });
        response.writeHead(202).end();
      });
    });
    [targetPort, webhookPort] = await Promise.all([listen(target), listen(webhook)]);
  });

  after(async () => {
    await Promise.all([prometheus?.stop(), alertmanager?.stop()]);
    target.close();
    webhook.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('scrapes the shop with service labels, loads the shipped rules, and an alert reaches the webhook with the token', async () => {
    const token = loadOrCreateAlertmanagerToken(dataDir);
    assert.equal(statSync(token.file).mode & 0o777, 0o600);
    assert.deepEqual(loadOrCreateAlertmanagerToken(dataDir), token, 'created once, then kept');
    const [amPort, promPort] = [await freePort(), await freePort()];
    alertmanager = await startLocalAlertmanager({
      executable: ALERTMANAGER_BINARY,
      dataDir,
      port: amPort,
      config: alertmanagerConfigYaml({ webhookUrl: `http://127.0.0.1:${webhookPort}/api/v1/alerts`, credentialsFile: token.file, groupWaitMs: 1000 }),
    });
    const alwaysFiring = join(dataDir, 'always.yml');
    writeFileSync(alwaysFiring, 'groups:\n  - name: test\n    rules:\n      - alert: AlwaysFiring\n        expr: vector(1)\n        labels: { service: payments, severity: warning }\n');
    // Every shop service on the one target: five targets told apart by their service label.
    const shop = { gateway: targetPort, orders: targetPort, payments: targetPort, inventory: targetPort, db: targetPort };
    prometheus = await startLocalPrometheus({
      executable: PROMETHEUS_BINARY,
      dataDir,
      port: promPort,
      config: prometheusConfigYaml({
        scrapeIntervalMs: 1000,
        shop,
        vigilOps: `127.0.0.1:${await freePort()}`,
        self: `127.0.0.1:${promPort}`,
        ruleFiles: [RULES, alwaysFiring],
        alertmanager: alertmanager.address,
      }),
    });
    assert.equal(prometheus.url, `http://127.0.0.1:${promPort}`);
    assert.ok(existsSync(prometheusPaths(dataDir).pidFile));

    const up = await eventually(async () => {
      const result = (await json(`${prometheus!.url}/api/v1/query?query=${encodeURIComponent('up{job="shop"} == 1')}`)).data.result as { metric: Record<string, string> }[];
      return result.length === 5 && result;
    }, 'five shop targets up');
    assert.deepEqual(up.map((series) => series.metric.service).sort(), ['db', 'gateway', 'inventory', 'orders', 'payments']);
    const requests = (await json(`${prometheus.url}/api/v1/query?query=${encodeURIComponent('http_requests_total{service="payments"}')}`)).data.result;
    assert.equal(requests[0].value[1], '42');

    const groups = (await json(`${prometheus.url}/api/v1/rules`)).data.groups as { name: string; rules: { name: string }[] }[];
    assert.deepEqual(groups.map((group) => group.name).sort(), ['shop', 'test', 'vigil', 'watched-services']);
    assert.ok(groups.find((group) => group.name === 'shop')!.rules.some((rule) => rule.name === 'ShopHighErrorRate'));

    const delivered = await eventually(async () => received.find((post) => post.body.alerts.some((alert) => alert.labels.alertname === 'AlwaysFiring')), 'AlwaysFiring at the webhook', 30_000);
    assert.equal(delivered.authorization, `Bearer ${token.secret}`);
    assert.deepEqual(
      delivered.body.alerts.map((alert) => [alert.labels.alertname, alert.labels.service, alert.status]),
      [['AlwaysFiring', 'payments', 'firing']],
    );
    // The shipped rules are evaluated against the scraped series and stay quiet: nothing is wrong (VigilDown may be pending: no Vigil answers here).
    const alerts = (await json(`${prometheus.url}/api/v1/alerts`)).data.alerts as { labels: Record<string, string>; state: string }[];
    assert.deepEqual(
      alerts.filter((alert) => alert.state === 'firing').map((alert) => alert.labels.alertname),
      ['AlwaysFiring'],
    );
  });

  it('stop leaves no process and no pid file', async () => {
    const pidFiles = [prometheusPaths(dataDir).pidFile, alertmanagerPaths(dataDir).pidFile];
    const pids = pidFiles.map((file) => Number(readFileSync(file, 'utf8')));
    await Promise.all([prometheus!.stop(), alertmanager!.stop()]);
    for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} is gone`);
    for (const file of pidFiles) assert.equal(existsSync(file), false, `${file} removed`);
    prometheus = alertmanager = undefined;
  });

  it("a leftover of a killed Vigil is stopped by the next start on its dataDir, never by another dataDir's", async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'vigil-local-stack-other-'));
    try {
      const port = await freePort();
      const config = prometheusConfigYaml({ scrapeIntervalMs: 1000, vigilOps: '127.0.0.1:1', self: `127.0.0.1:${port}`, ruleFiles: [] });
      const left = await startLocalPrometheus({ executable: PROMETHEUS_BINARY, dataDir, port, config });
      const pid = Number(readFileSync(prometheusPaths(dataDir).pidFile, 'utf8'));
      // Another Vigil's pid file naming our process (a pid reused, a copied dataDir): its marker is its own config path, not ours.
      mkdirSync(join(otherDir, 'run'));
      writeFileSync(prometheusPaths(otherDir).pidFile, `${pid}\n`);
      assert.deepEqual(await stopLeftoverMonitoring(otherDir), []);
      assert.equal(isAlive(pid), true);
      assert.deepEqual(await stopLeftoverMonitoring(dataDir), ['Prometheus']);
      await left.exited;
      assert.equal(isAlive(pid), false);
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it('a missing binary that may not be installed is named with the line that installs it', async () => {
    const said: string[] = [];
    const found = await provisionMonitoringTools([PROMETHEUS_TOOL, ALERTMANAGER_TOOL], { say: (line) => said.push(line), env: { PATH: dataDir }, mayInstall: false });
    assert.equal(found.size, 0);
    assert.deepEqual(said, [
      'Prometheus not found; going on without it. To have vigil up run one: apt-get install -y --no-install-recommends prometheus (as root), or put prometheus from https://prometheus.io/download/ on PATH',
      'Alertmanager not found; going on without it. To have vigil up run one: apt-get install -y --no-install-recommends prometheus-alertmanager (as root), or put alertmanager from https://prometheus.io/download/#alertmanager on PATH',
    ]);
    const onPath = await provisionMonitoringTools([PROMETHEUS_TOOL], { say: (line) => said.push(line), env: { PATH: `${dataDir}:${join(PROMETHEUS_BINARY, '..')}` } });
    assert.equal(onPath.get(PROMETHEUS_TOOL), PROMETHEUS_BINARY);
  });
});
