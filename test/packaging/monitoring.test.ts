// Prometheus, its rules and Alertmanager: checked and unit-tested by their own
// tools (promtool, amtool), then wired to what docker-compose.yml runs.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import { SERVICES } from '../../demo/shop/topology';
import { loadConfig } from '../../lib/adapters/config/load';
import { ROOT, composeProject, run, tempFile, tools } from './tools';

const MONITORING = join(ROOT, 'monitoring');
const dev = composeProject();

function ok(command: string, args: string[]): string {
  const result = run(command, args);
  assert.equal(result.status, 0, `${command} ${args.join(' ')}:\n${result.stdout}${result.stderr}`);
  return result.stdout + result.stderr;
}

function readYaml(file: string): any {
  return YAML.parse(readFileSync(file, 'utf8'));
}

describe('monitoring configs', () => {
  it('promtool accepts the Prometheus config and finds every rule file', () => {
    const files = readdirSync(join(MONITORING, 'rules')).filter((file) => file.endsWith('.yml'));
    assert.deepEqual(files.sort(), ['shop.yml', 'vigil.yml']);
    assert.match(ok(tools.promtool, ['check', 'config', join(MONITORING, 'prometheus.yml')]), new RegExp(`SUCCESS: ${files.length} rule files found[\\s\\S]*SUCCESS: \\d+ rules found`));
  });

  for (const name of ['vigil', 'shop']) {
    it(`promtool accepts rules/${name}.yml and its unit tests pass`, () => {
      ok(tools.promtool, ['check', 'rules', join(MONITORING, 'rules', `${name}.yml`)]);
      assert.match(ok(tools.promtool, ['test', 'rules', join(MONITORING, 'tests', `${name}.test.yml`)]), /SUCCESS/);
    });
  }

  it('every shop alert names its service and severity, and has a summary', () => {
    const rules = readYaml(join(MONITORING, 'rules', 'shop.yml')).groups.flatMap((group: any) => group.rules);
    const tested = readFileSync(join(MONITORING, 'tests', 'shop.test.yml'), 'utf8');
    for (const rule of rules) {
      assert.match(rule.expr, /job="shop"/, `${rule.alert} selects the shop's job`);
      assert.ok(['critical', 'warning'].includes(rule.labels.severity), `${rule.alert} has a severity`);
      assert.match(rule.annotations.summary, /\$labels\.service/, `${rule.alert}'s summary names the service`);
      assert.match(tested, new RegExp(`alertname: ${rule.alert}\\n`), `${rule.alert} has a unit test`);
    }
  });

  it('promtool rejects a broken rule', () => {
    const broken = tempFile('broken.yml', 'groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: sum by (service (vigil_services)\n');
    assert.notEqual(run(tools.promtool, ['check', 'rules', broken]).status, 0);
  });

  it('amtool accepts the Alertmanager config, and rejects a broken one', () => {
    ok(tools.amtool, ['check-config', join(MONITORING, 'alertmanager.yml')]);
    const broken = tempFile('alertmanager.yml', 'route:\n  receiver: nobody\nreceivers:\n  - name: vigil-triage\n');
    assert.notEqual(run(tools.amtool, ['check-config', broken]).status, 0);
  });

  it("Alertmanager routes every alert to Vigil's triage webhook on the api service, with the compose secret as bearer token", () => {
    const config = readYaml(join(MONITORING, 'alertmanager.yml'));
    const receiver = config.receivers.find((candidate: any) => candidate.name === config.route.receiver);
    const [webhook] = receiver.webhook_configs;
    const apiPort = loadConfig({ dir: join(ROOT, 'configs'), env: {} }).config.server.port;
    assert.equal(webhook.url, `http://api:${apiPort}/api/v1/alerts`);
    assert.ok(dev.services.api.ports!.some((port) => port.target === apiPort));
    assert.equal(webhook.http_config.authorization.type, 'Bearer');
    assert.equal(webhook.http_config.authorization.credentials_file, dev.services.alertmanager.secrets![0].target);
  });

  it('Prometheus scrapes the api, every worker and the five shop services on the ports they listen on, and alerts to the alertmanager service', () => {
    const config = readYaml(join(MONITORING, 'prometheus.yml'));
    const opsPort = loadConfig({ dir: join(ROOT, 'configs'), env: {} }).config.server.ops.port;
    const job = (name: string) => config.scrape_configs.find((candidate: any) => candidate.job_name === name);
    assert.deepEqual(job('vigil-api').static_configs[0].targets, [`api:${opsPort}`]);
    assert.deepEqual(job('vigil-worker').dns_sd_configs[0], { names: ['worker'], type: 'A', port: opsPort, refresh_interval: '15s' });
    // The shop container's DEMO_PORTS, in the order of the services; one target each, with its service label.
    const shopPorts = String(dev.services.shop.environment!.DEMO_PORTS).split(',');
    assert.deepEqual(
      job('shop').static_configs,
      SERVICES.map((service, i) => ({ targets: [`shop:${shopPorts[i]}`], labels: { service } })),
    );
    assert.deepEqual(config.alerting.alertmanagers[0].static_configs[0].targets, ['alertmanager:9093']);
    for (const service of ['api', 'worker', 'shop', 'alertmanager']) assert.ok(dev.services[service], `compose runs ${service}`);
    const mounts = dev.services.prometheus.volumes!.map((volume) => `${volume.source}:${volume.target}`);
    assert.ok(mounts.includes(`${join(MONITORING, 'prometheus.yml')}:/etc/prometheus/prometheus.yml`));
    assert.ok(mounts.includes(`${join(MONITORING, 'rules')}:/etc/prometheus/rules`), 'rules/ beside the config, as rule_files expects');
  });
});
