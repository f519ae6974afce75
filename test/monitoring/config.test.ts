// The configs of `vigil up`'s own Prometheus and Alertmanager
// (lib/core/monitoring/local-stack.ts): what they scrape, with which labels,
// which rules they load, where alerts go; and that the real promtool and amtool
// accept them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import YAML from 'yaml';
import { configFromObject } from '../../lib/adapters/config/load';
import { monitoringPortClaims, pointSourcesAtLocal } from '../../cli/local-monitoring';
import type { LocalProcess } from '../../lib/adapters/monitoring/local-stack';
import { alertmanagerConfigYaml, dialHost, prometheusConfigYaml, promDuration, shopTargets } from '../../lib/core/monitoring/local-stack';

const dir = mkdtempSync(join(tmpdir(), 'vigil-local-stack-config-'));
const SHOP = { gateway: 9400, orders: 9401, payments: 9402, inventory: 9403, db: 9404 };
const base = { scrapeIntervalMs: 5000, vigilOps: '127.0.0.1:8081', self: '127.0.0.1:9490', ruleFiles: ['/opt/vigil/monitoring/rules/*.yml'] };

/** promtool/amtool exit status and output, or undefined when the tool is not installed (the packaging tests require them; these do not). */
function check(tool: string, args: string[]): { status: number | null; output: string } | undefined {
  const result = spawnSync(tool, args, { encoding: 'utf8' });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return undefined;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('local Prometheus and Alertmanager configs', { timeout: 30_000 }, () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('scrapes the five shop services with a service label, Vigil and itself, at the configured interval', () => {
    const config = YAML.parse(prometheusConfigYaml({ ...base, shop: SHOP, alertmanager: '127.0.0.1:9493' }));
    assert.deepEqual(config.global, { scrape_interval: '5s', scrape_timeout: '5s', evaluation_interval: '5s' });
    const job = (name: string) => config.scrape_configs.find((candidate: { job_name: string }) => candidate.job_name === name);
    assert.deepEqual(job('shop').static_configs, [
      { targets: ['127.0.0.1:9400'], labels: { service: 'gateway' } },
      { targets: ['127.0.0.1:9401'], labels: { service: 'orders' } },
      { targets: ['127.0.0.1:9402'], labels: { service: 'payments' } },
      { targets: ['127.0.0.1:9403'], labels: { service: 'inventory' } },
      { targets: ['127.0.0.1:9404'], labels: { service: 'db' } },
    ]);
    assert.deepEqual(job('vigil-api').static_configs, [{ targets: ['127.0.0.1:8081'] }]);
    assert.deepEqual(job('prometheus').static_configs, [{ targets: ['127.0.0.1:9490'] }]);
    assert.deepEqual(config.rule_files, ['/opt/vigil/monitoring/rules/*.yml']);
    assert.deepEqual(config.alerting, { alertmanagers: [{ static_configs: [{ targets: ['127.0.0.1:9493'] }] }] });
  });

  it('without the demo there is no shop job, without an Alertmanager no alerting section, and a long interval keeps a 10 s timeout', () => {
    const config = YAML.parse(prometheusConfigYaml({ ...base, scrapeIntervalMs: 30_000 }));
    assert.deepEqual(
      config.scrape_configs.map((job: { job_name: string }) => job.job_name),
      ['vigil-api', 'prometheus'],
    );
    assert.equal(config.alerting, undefined);
    assert.deepEqual(config.global, { scrape_interval: '30s', scrape_timeout: '10s', evaluation_interval: '30s' });
  });

  it('takes the shop ports from demo.ports only when the demo is enabled', () => {
    assert.deepEqual(shopTargets(configFromObject({ demo: { enabled: true, ports: { payments: 19402 } } })), { ...SHOP, payments: 19402 });
    assert.equal(shopTargets(configFromObject({ demo: { enabled: false } })), undefined);
  });

  it('durations and dial hosts', () => {
    assert.deepEqual([promDuration(5000), promDuration(1500), promDuration(60_000)], ['5s', '1500ms', '60s']);
    assert.deepEqual(['0.0.0.0', '::', '', '127.0.0.1', '10.1.2.3'].map(dialHost), ['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1', '10.1.2.3']);
  });

  it('Alertmanager routes every alert to the webhook with the token file, after a short group wait', () => {
    const config = YAML.parse(alertmanagerConfigYaml({ webhookUrl: 'http://127.0.0.1:8080/api/v1/alerts', credentialsFile: '/data/alertmanager/token' }));
    assert.equal(config.route.receiver, 'vigil-triage');
    assert.equal(config.route.group_wait, '5s');
    assert.equal(config.route.routes, undefined, 'no sub-route sends anything elsewhere');
    assert.deepEqual(config.receivers, [
      {
        name: 'vigil-triage',
        webhook_configs: [
          {
            url: 'http://127.0.0.1:8080/api/v1/alerts',
            send_resolved: true,
            max_alerts: 50,
            http_config: { authorization: { type: 'Bearer', credentials_file: '/data/alertmanager/token' } },
          },
        ],
      },
    ]);
  });

  it('vigil up claims their ports only when it will run them: not with a Prometheus of your own, not when disabled', () => {
    const claimed = (settings: Record<string, unknown>) => monitoringPortClaims(configFromObject(settings)).map((claim) => `${claim.setting}=${claim.port}`);
    assert.deepEqual(claimed({}), ['prometheus.port=9490', 'alertmanager.port=9493']);
    assert.deepEqual(claimed({ prometheus: { port: 19490 }, alertmanager: { enabled: false } }), ['prometheus.port=19490']);
    assert.deepEqual(claimed({ llm: { sources: { prometheusUrl: 'http://prometheus:9090' } } }), [], 'yours is used, neither is started');
    assert.deepEqual(claimed({ prometheus: { enabled: false } }), []);
    assert.match(monitoringPortClaims(configFromObject({}))[0].hint!, /prometheus\.enabled: false \(VIGIL_PROMETHEUS__ENABLED=false\)/);
  });

  it("points this process's triage sources at them: our Prometheus, the shop's log files unless a directory is set", () => {
    const running = { url: 'http://127.0.0.1:9490' } as LocalProcess;
    const withShop = configFromObject({ demo: { enabled: true } });
    pointSourcesAtLocal(withShop, '/data', { prometheus: running, tokens: [] });
    assert.deepEqual([withShop.llm.sources.prometheusUrl, withShop.llm.sources.logDir], ['http://127.0.0.1:9490', '/data/demo']);
    const own = configFromObject({ demo: { enabled: true }, llm: { sources: { prometheusUrl: 'http://mine:9090', logDir: '/var/log/shop' } } });
    pointSourcesAtLocal(own, '/data', { tokens: [] });
    assert.deepEqual([own.llm.sources.prometheusUrl, own.llm.sources.logDir], ['http://mine:9090', '/var/log/shop']);
    const noShop = configFromObject({});
    pointSourcesAtLocal(noShop, '/data', { tokens: [] });
    assert.equal(noShop.llm.sources.logDir, '');
  });

  it('promtool and amtool accept both (with the shipped rules)', (t) => {
    const rules = join(__dirname, '..', '..', 'monitoring', 'rules', '*.yml');
    const prometheusFile = join(dir, 'prometheus.yml');
    writeFileSync(prometheusFile, prometheusConfigYaml({ ...base, ruleFiles: [rules], shop: SHOP, alertmanager: '127.0.0.1:9493' }));
    const promtool = check('promtool', ['check', 'config', prometheusFile]);
    if (!promtool) return t.skip('promtool is not installed');
    assert.equal(promtool.status, 0, promtool.output);
    assert.match(promtool.output, /SUCCESS: [2-9] rule files found/);
    const token = join(dir, 'token');
    writeFileSync(token, 'secret\n');
    const alertmanagerFile = join(dir, 'alertmanager.yml');
    writeFileSync(alertmanagerFile, alertmanagerConfigYaml({ webhookUrl: 'http://127.0.0.1:8080/api/v1/alerts', credentialsFile: token }));
    const amtool = check('amtool', ['check-config', alertmanagerFile]);
    if (!amtool) return t.skip('amtool is not installed');
    assert.equal(amtool.status, 0, amtool.output);
  });
});
