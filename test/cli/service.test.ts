// The operator commands (`vigil service …`, `vigil actions`, `vigil apply`) as a
// user runs them: the real CLI as a child process against the real API app
// listening on a port, with real workers watching a local HTTP service.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Definition } from '../../lib/core/config/definitions';
import { configFromObject } from '../../lib/adapters/config/load';
import { ServiceDefinition } from '../../lib/core/config/services';
import { validateDocument } from '../../lib/core/config/validate';
import { applyServices } from '../../lib/client/apply';
import { workflowIds } from '../../workflows/messages';
import { buildTestApi, TOKENS, type TestApi } from '../helpers/api';
import { eventually } from '../helpers/eventually';
import { connectTestTemporal, createTestDatabase, startTestWorkers, uniqueName, type TestDatabase, type TestTemporal } from '../helpers/harness';
import { startOkServer, type OkServer } from '../helpers/ok-server';
import { freePort } from '../helpers/ports';
import { watchSerialization, type SerializationWatch } from '../helpers/serialization';
import { runOperator } from '../helpers/vigil-process';

describe('vigil service, actions and apply against a running API', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let api: TestApi;
  let server: OkServer;
  let port: number;
  let apiUrl: string;
  let configDir: string;
  let stopWorkers: () => Promise<void>;
  let served: SerializationWatch;
  const web = uniqueName('web').replace('_', '-');
  const fixer = uniqueName('fixer').replace('_', '-');

  function definition(name: string, extra: Record<string, unknown> = {}): Definition {
    const spec = { name, checks: [{ name: 'http', type: 'http', url: `http://127.0.0.1:${port}/`, interval: '300ms', timeout: '1s' }], ...extra };
    assert.deepEqual(validateDocument(ServiceDefinition, spec, 'test'), []);
    return { kind: 'services', name, source: 'services.yaml', spec };
  }
  const services = () => [definition(web), definition(fixer, { remediation: { ladder: [{ name: 'flush', action: { type: 'exec', argv: ['/bin/true'] } }], cooldown: '1h' } })];

  const vigil = (args: string[], env: NodeJS.ProcessEnv = {}) => runOperator(args, { apiUrl, token: TOKENS.operate, configDir }, env);

  before(async () => {
    db = await createTestDatabase('cli_service');
    temporal = await connectTestTemporal();
    server = await startOkServer();
    port = server.port;
    ({ stop: stopWorkers } = await startTestWorkers({ taskQueuePrefix: temporal.taskQueuePrefix, pool: db.pool }));
    // The API's config directory holds the same definitions, so `vigil apply` keeps them.
    configDir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
    writeFileSync(join(configDir, 'vigil.yaml'), '');
    writeFileSync(join(configDir, 'services.yaml'), JSON.stringify({ services: services().map((service) => service.spec) }));
    api = await buildTestApi({ db, taskQueuePrefix: temporal.taskQueuePrefix, config: configFromObject({ log: { level: 'silent' } }), configDir });
    served = watchSerialization(api.app);
    await api.app.listen({ host: '127.0.0.1', port: 0 });
    apiUrl = `http://127.0.0.1:${(api.app.server.address() as { port: number }).port}`;
    await applyServices({ client: temporal.client, taskQueuePrefix: temporal.taskQueuePrefix, services: services() });
  });
  after(async () => {
    for (const name of [web, fixer])
      await temporal.client.workflow
        .getHandle(workflowIds.health(name))
        .terminate()
        .catch(() => {});
    await api.close();
    await stopWorkers();
    server.close();
    await temporal.close();
    await db.close();
    rmSync(configDir, { recursive: true, force: true });
  });

  it('lists the services as a table and as the API JSON', async () => {
    const listed = await eventually(async () => {
      const ran = await vigil(['service', 'list', '--json']);
      const body = JSON.parse(ran.stdout) as { name: string; status: string; workflowId: string }[];
      return body.length === 2 && body.every((service) => service.status === 'healthy') && body;
    }, 'both services healthy');
    assert.deepEqual(
      listed.map((service) => service.name),
      [web, fixer].sort(),
    );
    assert.equal(listed[0].workflowId, workflowIds.health(listed[0].name), 'the JSON is the API answer as is');

    const table = await vigil(['service', 'list']);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^NAME\s+STATUS\s+LOOP\s+REMEDIATION PAUSED$/);
    assert.deepEqual(
      lines.slice(1).map((line) => line.split(/\s+/)),
      [web, fixer].sort().map((name) => [name, 'healthy', 'running', '-']),
    );
    // Columns line up: STATUS starts where each status does.
    assert.equal(new Set(lines.map((line) => line.search(/STATUS|healthy/))).size, 1);
  });

  it('shows a service with its checks, and its history', async () => {
    const shown = await vigil(['service', 'show', web]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^service\s+\S+\n/);
    assert.match(shown.stdout, /^status\s+healthy since \d{4}-\d\d-\d\dT[\d:.]+Z/m);
    assert.match(shown.stdout, /^paused\s+no$/m);
    assert.match(shown.stdout, /^remediation\s+no next step; 0 of \d+ actions used/m);
    assert.match(shown.stdout, /^CHECK\s+UP\s+LATENCY\s+AT\s+DETAIL$/m);
    assert.match(shown.stdout, /^http\s+up\s+\d+ ms\s+\d{4}-\d\d-\d\dT[\d:.]+Z/m);

    const history = await vigil(['service', 'history', web, '--limit', '3']);
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout, /^Transitions\nAT\s+FROM\s+TO\s+REASON\n\S+Z\s+unknown\s+healthy/);
    const checks = history.stdout.split('Checks\n')[1].trimEnd().split('\n');
    assert.ok(checks.length >= 2 && checks.length <= 4, history.stdout);
    const json = JSON.parse((await vigil(['service', 'history', web, '--limit', '2', '--json'])).stdout);
    assert.ok(json.checks.length <= 2 && Array.isArray(json.transitions));
  });

  it('pauses until 30 minutes from now, shows it, and resumes', async () => {
    const [from, thirtyMinutes] = [Date.now(), 30 * 60_000];
    const paused = await vigil(['service', 'pause', web, '--reason', 'deploying', '--until', '30m']);
    assert.equal(paused.code, 0, paused.stderr);
    const until = /until (\S+Z)/.exec(paused.stdout)?.[1];
    assert.ok(until, paused.stdout);
    assert.ok(Date.parse(until) >= from + thirtyMinutes && Date.parse(until) <= Date.now() + thirtyMinutes, `until ${until}`);

    const shown = await eventually(async () => {
      const ran = await vigil(['service', 'show', web]);
      return /^paused\s+yes/m.test(ran.stdout) && ran.stdout;
    }, 'show says paused');
    assert.match(shown, new RegExp(`^paused\\s+yes, until ${until.replace(/\./g, '\\.')} by operate-user: deploying$`, 'm'));
    // The list reads the pause from the loop's memo in Temporal's visibility, which follows shortly after.
    const listedPaused = new RegExp(`^${web}\\s+healthy\\s+running\\s+until ${until.replace(/\./g, '\\.')} by operate-user: deploying$`, 'm');
    await eventually(async () => listedPaused.test((await vigil(['service', 'list'])).stdout), 'the list says paused');

    const resumed = await vigil(['service', 'resume', web]);
    assert.deepEqual([resumed.code, resumed.stdout], [0, `resumed remediation of ${web}\n`]);
    await eventually(async () => /^paused\s+no$/m.test((await vigil(['service', 'show', web])).stdout), 'show says not paused');
  });

  it('remediates on demand, reports a refusal with exit 1, and lists the action', async () => {
    const unknown = await vigil(['service', 'remediate', fixer, '--reason', 'x', '--action', 'reboot']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, `vigil: refused: unknown action "reboot"; ${fixer} has: flush\n`);

    const done = await vigil(['service', 'remediate', fixer, '--reason', 'stale cache', '--action', 'flush']);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /^flush succeeded at \S+Z \(decided by operate-user\)/);

    const again = await vigil(['service', 'remediate', fixer, '--reason', 'again']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^vigil: refused: in cooldown until /);

    const actions = await vigil(['actions', '--service', fixer]);
    assert.equal(actions.code, 0, actions.stderr);
    const [header, row, ...rest] = actions.stdout.trimEnd().split('\n');
    assert.match(header, /^STARTED\s+SERVICE\s+STEP\s+STATUS\s+BY\s+TOOK\s+REASON$/);
    assert.match(row, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\s+${fixer}\\s+flush\\s+succeeded\\s+operate-user\\s+\\d+ ms\\s+stale cache$`));
    assert.deepEqual(rest, []);
    const json = JSON.parse((await vigil(['actions', '--service', fixer, '--limit', '5', '--json'])).stdout);
    assert.deepEqual([json.length, json[0].step, json[0].exitCode], [1, 'flush', 0]);

    const shown = await vigil(['service', 'show', fixer]);
    assert.match(shown.stdout, /^last action\s+flush succeeded at \S+Z by operate-user/m);
  });

  it('applies the configuration with an admin token, and not with a read token', async () => {
    const applied = await vigil(['apply'], { VIGIL_TOKEN: TOKENS.admin });
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /^started:\s+-$/m);
    assert.match(applied.stdout, /^stopped:\s+-$/m);
    assert.match(applied.stdout, new RegExp(`^unchanged:\\s+.*${web}`, 'm'));

    const reader = await vigil(['apply'], { VIGIL_TOKEN: TOKENS.read });
    assert.equal(reader.code, 1);
    assert.match(reader.stderr, /^vigil: this route needs the admin role; token "read-user" has read\n$/);
  });

  it('finds the API and the admin token from the configuration when the env does not say', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-config-'));
    try {
      const apiPort = new URL(apiUrl).port;
      writeFileSync(join(dir, 'vigil.yaml'), `dataDir: ${JSON.stringify(join(dir, 'data'))}\nserver:\n  host: 0.0.0.0\n  port: ${apiPort}\n`);
      mkdirSync(join(dir, 'data'));
      writeFileSync(join(dir, 'data', 'admin-token'), `${TOKENS.admin}\n`, { mode: 0o600 });
      const ran = await vigil(['service', 'list', '--config', dir], { VIGIL_API_URL: undefined, VIGIL_TOKEN: undefined });
      assert.equal(ran.code, 0, ran.stderr);
      assert.match(ran.stdout, new RegExp(`^${web}\\s+healthy\\s+running\\s+-$`, 'm'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says what went wrong: unknown service, API down, bad usage', async () => {
    const unknown = await vigil(['service', 'show', 'nobody-here']);
    assert.deepEqual([unknown.code, unknown.stderr], [1, 'vigil: no service "nobody-here" is being watched\n']);

    const deadUrl = `http://127.0.0.1:${await freePort()}`;
    const down = await vigil(['service', 'list'], { VIGIL_API_URL: deadUrl });
    assert.deepEqual([down.code, down.stderr], [1, `vigil: cannot reach the Vigil API at ${deadUrl} (is \`vigil up\` running?)\n`]);

    for (const args of [
      ['service', 'pause', web],
      ['service', 'pause', web, '--reason', 'x', '--until', 'soon'],
      ['service', 'show'],
      ['service', 'frobnicate'],
      ['service', 'list', '--bogus'],
      ['actions', '--limit', 'many'],
    ]) {
      const ran = await vigil(args);
      assert.equal(ran.code, 2, `${args.join(' ')}: ${ran.stderr}`);
      assert.match(ran.stderr, /^vigil: /);
    }
  });

  it('answers every request above with what its handler returned, in the shape its schema documents', () => {
    assert.ok(served.seen.length > 0);
    served.assertFaithful();
  });
});
