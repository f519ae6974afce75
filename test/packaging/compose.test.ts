// docker-compose.yml, loaded as `docker compose config` loads it (compose-go:
// interpolation from .env, profiles, the compose specification's JSON schema),
// for both profiles; then what the issue asks of each service.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { toMs } from '../../lib/core/config/duration';
import { loadConfig } from '../../lib/adapters/config/load';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../../lib/adapters/temporal/dev-server';
import { SEARCH_ATTRIBUTE_NAMES } from '../../workflows/messages';
import { ROOT, composeProject, run, tempFile, tools, vigilServices, type ComposeProject } from './tools';

const dev = composeProject();
const cluster = composeProject(['cluster']);

describe('docker-compose.yml', () => {
  it('is valid for the compose specification in both profiles, with the Temporal server each one runs', () => {
    const always = ['alertmanager', 'api', 'apply', 'migrate', 'postgres', 'prometheus', 'shop', 'worker'];
    assert.deepEqual(Object.keys(dev.services).sort(), [...always, 'temporal', 'temporal-data-init'].sort());
    assert.deepEqual(Object.keys(cluster.services).sort(), [...always, 'temporal-cluster', 'temporal-ui'].sort());
  });

  it('the validator rejects what Docker Compose would reject', () => {
    const broken = tempFile('docker-compose.yml', 'services:\n  api:\n    image: vigil\n    depends_on:\n      db: { condition: service_healthy }\n    restart_policy: always\n');
    const result = run(tools.composeConfig, ['-env-file', join(ROOT, '.env.example'), broken]);
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /restart_policy|db/);
  });

  it("the Temporal dev server listens on 0.0.0.0, keeps SQLite on a named volume, registers Vigil's search attributes and has a healthcheck", () => {
    const temporal = dev.services.temporal;
    assert.match(temporal.image!, /^temporalio\/temporal:/);
    const command = temporal.command!;
    assert.deepEqual(command.slice(0, 2), ['server', 'start-dev']);
    assert.ok(command.includes('--ip=0.0.0.0') && command.includes('--ui-ip=0.0.0.0'));
    const dbFile = command.find((arg) => arg.startsWith('--db-filename='))!.split('=')[1];
    const volume = temporal.volumes!.find((candidate) => dbFile.startsWith(`${candidate.target}/`));
    assert.equal(volume?.type, 'volume', 'the SQLite file is on a named volume');
    const registered = command.filter((arg) => arg.startsWith('--search-attribute=')).map((arg) => arg.split('=')[1]);
    assert.deepEqual(registered.sort(), [...SEARCH_ATTRIBUTE_NAMES].sort());
    const dynamicConfig = command.filter((arg) => arg.startsWith('--dynamic-config-value=')).map((arg) => arg.slice('--dynamic-config-value='.length));
    assert.deepEqual(dynamicConfig, [...DEV_SERVER_DYNAMIC_CONFIG], 'the same task-queue read rates as `vigil up`');
    assert.ok(
      temporal.ports!.some((port) => port.target === 8233),
      'Web UI published',
    );
    assert.ok(temporal.healthcheck?.test?.length);
  });

  it('the cluster profile runs Temporal on PostgreSQL as `temporal` on the network, and the Web UI on the same port', () => {
    const server = cluster.services['temporal-cluster'];
    assert.equal(server.environment!.DB, 'postgres12');
    assert.equal(server.environment!.POSTGRES_SEEDS, 'postgres');
    assert.ok(server.networks!.default!.aliases!.includes('temporal'));
    assert.ok(server.healthcheck?.test?.length);
    assert.ok(cluster.services['temporal-ui'].ports!.some((port) => port.target === 8080 && port.published === '8233'));
  });

  it('Vigil starts only after its dependencies are ready, in either profile', () => {
    for (const project of [dev, cluster]) {
      for (const name of ['api', 'worker']) {
        const dependsOn = project.services[name].depends_on!;
        assert.equal(dependsOn.postgres.condition, 'service_healthy');
        assert.equal(dependsOn.migrate.condition, 'service_completed_successfully');
        const temporal = project.services.temporal ? 'temporal' : 'temporal-cluster';
        assert.equal(dependsOn[temporal].condition, 'service_healthy', `${name} waits for ${temporal}`);
      }
      assert.equal(project.services.migrate.depends_on!.postgres.condition, 'service_healthy');
      assert.equal(project.services.apply.depends_on!.api.condition, 'service_healthy');
      assert.ok(project.services.postgres.healthcheck?.test?.length);
      const volume = project.services.postgres.volumes!.find((candidate) => candidate.target === '/var/lib/postgresql/data');
      assert.equal(volume?.type, 'volume');
    }
  });

  it('workers scale: no published ports, a stop grace longer than the worker drain', () => {
    const worker = dev.services.worker;
    assert.deepEqual(worker.ports ?? [], []);
    const configured = loadConfig({ dir: join(ROOT, 'configs'), env: envOf(dev, 'worker') }).config.worker.shutdownGraceMs;
    assert.ok(toMs(worker.stop_grace_period!) > configured, `stop_grace_period ${worker.stop_grace_period} > worker.shutdownGraceMs ${configured} ms`);
  });

  it('Vigil services are configured by env and the mounted configs/ only, with a read-only root filesystem', () => {
    for (const [name, service] of vigilServices(dev)) {
      assert.equal(service.read_only, true, name);
      for (const volume of service.volumes ?? []) {
        assert.equal(volume.type, 'bind', `${name}: ${volume.target}`);
        assert.ok(volume.target.startsWith('/app/configs/'), `${name}: ${volume.target}`);
        assert.ok(existsSync(volume.source), `${name}: ${volume.source} exists`);
      }
    }
    assert.deepEqual(dev.services.api.ports!.map((port) => port.target).sort(), [8080, 8081]);
  });

  it('secrets come from the env file: .env is git-ignored and .env.example names every variable the file uses', () => {
    const ignored = run('git', ['check-ignore', '--quiet', '.env']);
    assert.equal(ignored.status, 0, '.env is git-ignored');
    const tracked = run('git', ['check-ignore', '--quiet', '.env.example']);
    assert.equal(tracked.status, 1, '.env.example is not ignored');
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const used = new Set([...readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8').matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((match) => match[1]));
    for (const name of used) assert.match(example, new RegExp(`^(# )?${name}=`, 'm'), `.env.example documents ${name}`);
    const withoutExample = run(tools.composeConfig, ['-env-file', tempFile('empty.env', ''), join(ROOT, 'docker-compose.yml')], { env: { PATH: process.env.PATH ?? '' } });
    assert.notEqual(withoutExample.status, 0, 'a missing secret is an error, not an empty value');
    assert.match(withoutExample.stderr, /set (POSTGRES_PASSWORD|VIGIL_ADMIN_TOKEN|ALERTMANAGER_TOKEN) in \.env/);
  });

  it("Alertmanager gets its bearer token as a compose secret from ALERTMANAGER_TOKEN, which Vigil's API accepts", () => {
    assert.equal(dev.secrets!.alertmanager_token.environment, 'ALERTMANAGER_TOKEN');
    assert.deepEqual(dev.services.alertmanager.secrets, [{ source: 'alertmanager_token', target: '/run/secrets/alertmanager_token' }]);
    const { config } = loadConfig({ dir: join(ROOT, 'configs'), env: envOf(dev, 'api') });
    const token = config.auth.tokens.find((candidate) => candidate.env === 'ALERTMANAGER_TOKEN');
    assert.ok(token && token.role !== 'read', 'a token that may start triage');
  });
});

function envOf(project: ComposeProject, service: string): Record<string, string> {
  return Object.fromEntries(Object.entries(project.services[service].environment ?? {}).map(([key, value]) => [key, value ?? '']));
}
