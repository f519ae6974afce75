// Service definitions: every field of a full one, defaults, and errors that name
// the check or action kind's own fields.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { toMs } from '../../lib/core/config/duration';
import type { ServiceDefinitionSpec } from '../../lib/core/config/services';
import { configDirs, load, shown } from './config-dir';

const dirs = configDirs();
after(() => dirs.cleanup());

function loadServices(yaml: string) {
  const dir = dirs.dir({ 'services.yaml': yaml });
  const { definitions, rejected } = load(dir);
  return { services: definitions.services.map((definition) => definition.spec as ServiceDefinitionSpec), rejected, file: shown(join(dir, 'services.yaml')) };
}

describe('service definitions', () => {
  it('load every kind of check, a remediation ladder, limits, dependencies and maintenance windows', () => {
    const { services, rejected } = loadServices(`
services:
  - name: shop
    description: The shop front end
    labels: { team: web }
    checks:
      - { name: home, type: http, url: "https://shop.local/", expectedStatus: [200, { from: 300, to: 399 }], bodyRegex: "Welcome", tlsVerify: false, interval: 30s, timeout: 2s, retries: 2 }
      - { name: api, type: http, url: "http://127.0.0.1:9000/status", json: { path: /status, equals: ok } }
      - { name: db, type: tcp, host: 127.0.0.1, port: 5432 }
      - { name: grpc, type: grpc, address: "127.0.0.1:50051", service: shop.v1.Shop }
      - { name: disk, type: script, argv: [/usr/local/bin/check-disk, --min, "10"], env: { LANG: C }, timeout: 1500 }
    thresholds: { failureThreshold: 5, successThreshold: 1 }
    remediation:
      ladder:
        - { name: restart, action: { type: exec, argv: [systemctl, restart, shop] }, settle: 20s }
        - { name: rollback, action: { type: http, url: "http://deployer.local/rollback/shop", method: POST } }
        - { name: tell-someone, action: { type: notify } }
      cooldown: 2m
      maxActions: 2
      window: 30m
    dependsOn: [postgres]
    maintenance:
      - { cron: "0 3 * * 0", duration: 1h }
`);
    assert.deepEqual(rejected, []);
    const [shop] = services;
    assert.deepEqual(
      shop.checks.map((check) => check.type),
      ['http', 'http', 'tcp', 'grpc', 'script'],
    );
    assert.equal(toMs(shop.checks[0].interval), 30_000);
    assert.equal(toMs(shop.checks[1].interval), 10_000, 'default interval');
    assert.equal(toMs(shop.checks[4].timeout), 1_500, 'milliseconds as a number');
    assert.equal(shop.remediation.ladder[0].action.type, 'exec');
    assert.deepEqual((shop.remediation.ladder[0].action as { expectedExitCodes: number[] }).expectedExitCodes, [0]);
    assert.equal(toMs(shop.remediation.ladder[1].settle), 30_000, 'default settle');
    assert.equal(toMs(shop.remediation.cooldown), 120_000);
    assert.equal(shop.remediation.flapping.transitions, 6);
    assert.deepEqual(shop.dependsOn, ['postgres']);
    assert.equal(shop.maintenance[0].timezone, 'UTC');
  });

  it('fills defaults for a minimal service', () => {
    const { services } = loadServices('services:\n  - name: tiny\n    checks: [{ name: up, type: tcp, host: localhost, port: 80 }]\n');
    assert.deepEqual(services[0].thresholds, { failureThreshold: 3, successThreshold: 2 });
    assert.deepEqual(services[0].remediation.ladder, []);
    assert.equal(services[0].remediation.maxActions, 3);
    assert.equal(toMs(services[0].remediation.window), 15 * 60_000);
  });

  it('name the check kind’s own fields in errors, and the kinds there are', () => {
    const { services, rejected, file } = loadServices(`
services:
  - name: a
    checks: [{ name: ping, type: icmp, host: x }]
  - name: b
    checks: [{ name: web, type: http }]
  - name: c
    checks: [{ name: db, type: tcp, host: x, port: 5432, url: "http://x" }]
  - name: d
    checks: [{ name: web, type: http, url: "http://x", interval: soon }]
  - name: e
    checks: [{ name: web, type: http, url: "http://x", bodyRegex: "(unclosed" }]
  - name: f
    checks: [{ name: nothing }]
  - name: ok
    checks: [{ name: web, type: http, url: "http://x" }]
`);
    assert.deepEqual(
      services.map((service) => service.name),
      ['ok'],
    );
    assert.deepEqual(rejected, [
      { source: file, path: 'services[0].checks[0].type', message: 'must be one of "http", "tcp", "grpc", "script", got "icmp"' },
      { source: file, path: 'services[1].checks[0].url', message: 'is required' },
      { source: file, path: 'services[2].checks[0].url', message: 'unknown key "url"' },
      { source: file, path: 'services[3].checks[0].interval', message: 'must be a duration such as 500ms, 10s, 5m, 1h or a number of milliseconds, got "soon"' },
      { source: file, path: 'services[4].checks[0].bodyRegex', message: 'must be a string (a valid regex), got "(unclosed"' },
      { source: file, path: 'services[5].checks[0].type', message: 'is required' },
    ]);
  });

  it('name the action kind’s own fields in errors', () => {
    const { rejected, file } = loadServices(`
services:
  - name: a
    remediation:
      ladder:
        - { name: restart, action: { type: exec, command: "systemctl restart a" } }
        - { name: hook, action: { type: webhook, url: "http://x" } }
`);
    assert.deepEqual(rejected, [
      { source: file, path: 'services[0].remediation.ladder[0].action.argv', message: 'is required' },
      { source: file, path: 'services[0].remediation.ladder[0].action.command', message: 'unknown key "command"' },
      { source: file, path: 'services[0].remediation.ladder[1].action.type', message: 'must be one of "exec", "http", "preset", "notify", got "webhook"' },
    ]);
  });
});

describe('metric policies in service definitions', () => {
  it('load a threshold policy and an anomaly policy with their defaults', () => {
    const { services, rejected } = loadServices(`
services:
  - name: web
    metrics:
      - { name: cpu-hot, when: 'avg(cpu_percent) > 90 for 3m' }
      - { name: errors, anomaly: 'sum(http_errors{route="/checkout"})', direction: up, sensitivity: 4, window: 30s, interval: 10s }
    latencyAnomaly: { enabled: false }
`);
    assert.deepEqual(rejected, []);
    const [web] = services;
    assert.deepEqual(web.metrics[0], { name: 'cpu-hot', when: 'avg(cpu_percent) > 90 for 3m', direction: 'up', sensitivity: 3, warmup: 20, window: '1m', interval: '30s' });
    assert.equal(web.metrics[1].anomaly, 'sum(http_errors{route="/checkout"})');
    assert.equal(web.latencyAnomaly.enabled, false);
  });

  it('reject a condition they cannot read, and a policy with both forms or neither', () => {
    const { rejected, file } = loadServices(`
services:
  - name: web
    metrics:
      - { name: a, when: 'mean(cpu_percent) > 90' }
      - { name: b, when: 'avg(cpu_percent) > 90', anomaly: 'avg(cpu_percent)' }
      - { name: c }
`);
    assert.equal(rejected.length, 3, JSON.stringify(rejected));
    assert.deepEqual(rejected[0], {
      source: file,
      path: 'services[0].metrics[0].when',
      message: 'must be a condition such as "avg(cpu_percent) > 90 for 3m" (aggregates: avg, min, max, sum, count, last), got "mean(cpu_percent) > 90"',
    });
    assert.deepEqual(
      rejected.slice(1).map((problem) => [problem.path, problem.message.split(',')[0]]),
      [
        ['services[0].metrics[1]', 'must be a policy with either `when` or `anomaly` (not both)'],
        ['services[0].metrics[2]', 'must be a policy with either `when` or `anomaly` (not both)'],
      ],
    );
  });
});

describe('durations', () => {
  it('convert units and plain milliseconds', () => {
    assert.deepEqual(['500ms', '10s', '1.5s', '5m', '1h', '1d'].map(toMs), [500, 10_000, 1_500, 300_000, 3_600_000, 86_400_000]);
    assert.equal(toMs(250), 250);
    assert.throws(() => toMs('10 seconds'), /not a duration/);
  });
});
