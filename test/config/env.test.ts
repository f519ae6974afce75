// Env overrides of vigil.yaml: VIGIL_<PATH> names, aliases, precedence, and how
// a wrong or unknown variable is reported. Always an explicit env object.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { applyEnvOverrides, ENV_ALIASES, ENV_RESERVED, envNameFor, isKnownEnvName, knownEnvNames } from '../../lib/core/config/env';
import { formatProblem } from '../../lib/core/config/errors';
import { VigilConfigSchema } from '../../lib/core/config/schema';
import { assertFields, configDirs, load, loadError, shown } from './config-dir';

const dirs = configDirs();
after(() => dirs.cleanup());

const FILE = `
server:
  port: 8000
temporal:
  address: from-file:7233
auth:
  tokens:
    - name: ci
      role: read
      env: CI_TOKEN
`;

describe('env overrides: VIGIL_ names', () => {
  it('overrides a scalar and turns it into the schema type', () => {
    const { config } = load(dirs.dir({ 'vigil.yaml': FILE }), { VIGIL_SERVER__PORT: '9090' });
    assert.equal(config.server.port, 9090);
    assert.equal(config.temporal.address, 'from-file:7233');
  });

  it('works without a vigil.yaml', () => {
    const { config } = load(dirs.dir(), { VIGIL_SERVER__PORT: '9090', VIGIL_DATA_DIR: '/srv/vigil' });
    assert.equal(config.server.port, 9090);
    assert.equal(config.dataDir, '/srv/vigil');
    assert.equal(config.server.ops.port, 8081);
  });

  it('maps nested camelCase keys to UPPER_SNAKE segments', () => {
    const { config } = load(dirs.dir(), {
      VIGIL_TEMPORAL__DEV_SERVER__UI_PORT: '9233',
      VIGIL_SERVER__OPS__PORT: '9191',
      VIGIL_WORKER__QUEUES__LLM__MAX_CONCURRENT_ACTIVITIES: '2',
      VIGIL_WORKER__QUEUES__LLM__MAX_ACTIVITIES_PER_SECOND: '0.5',
    });
    assert.equal(config.temporal.devServer.uiPort, 9233);
    assert.equal(config.temporal.devServer.port, 7233);
    assert.equal(config.server.ops.port, 9191);
    assertFields(config.worker.queues.llm, { maxConcurrentActivities: 2, maxActivitiesPerSecond: 0.5 });
  });

  for (const [raw, expected] of [
    ['true', true],
    ['YES', true],
    ['1', true],
    ['on', true],
    ['false', false],
    ['no', false],
    ['0', false],
    ['Off', false],
  ] as const) {
    it(`reads the boolean ${JSON.stringify(raw)} as ${expected}`, () => {
      const { config } = load(dirs.dir(), { VIGIL_TEMPORAL__TLS__ENABLED: raw, VIGIL_TEMPORAL__DEV_SERVER__UI: raw });
      assert.equal(config.temporal.tls.enabled, expected);
      assert.equal(config.temporal.devServer.ui, expected);
    });
  }

  it('overrides one field of a list element and keeps the rest of it', () => {
    const { config } = load(dirs.dir({ 'vigil.yaml': FILE }), { VIGIL_AUTH__TOKENS__0__ROLE: 'admin' });
    assert.deepEqual(config.auth.tokens, [{ name: 'ci', role: 'admin', env: 'CI_TOKEN' }]);
  });

  it('adds a list element from its fields', () => {
    const { config } = load(dirs.dir({ 'vigil.yaml': FILE }), {
      VIGIL_AUTH__TOKENS__1__NAME: 'deploy',
      VIGIL_AUTH__TOKENS__1__ROLE: 'operate',
      VIGIL_AUTH__TOKENS__1__ENV: 'DEPLOY_TOKEN',
    });
    assert.deepEqual(config.auth.tokens, [
      { name: 'ci', role: 'read', env: 'CI_TOKEN' },
      { name: 'deploy', role: 'operate', env: 'DEPLOY_TOKEN' },
    ]);
  });

  it('replaces a whole list given as JSON', () => {
    const tokens = [{ name: 'ops', role: 'admin', env: 'OPS_TOKEN' }];
    const { config } = load(dirs.dir({ 'vigil.yaml': FILE }), { VIGIL_AUTH__TOKENS: JSON.stringify(tokens) });
    assert.deepEqual(config.auth.tokens, tokens);
  });

  it('applies element overrides after the whole list', () => {
    const { config } = load(dirs.dir(), {
      VIGIL_AUTH__TOKENS__0__ROLE: 'admin',
      VIGIL_AUTH__TOKENS: '[{"name":"ops","role":"read"}]',
    });
    assert.deepEqual(config.auth.tokens, [{ name: 'ops', role: 'admin' }]);
  });

  it('replaces a mapping given as JSON and fills its defaults', () => {
    const { config } = load(dirs.dir(), { VIGIL_SERVER__OPS: '{"port": 9999}' });
    assertFields(config.server.ops, { host: '127.0.0.1', port: 9999 });
  });

  it('ignores variables that are not Vigil settings', () => {
    const { config } = load(dirs.dir({ 'vigil.yaml': FILE }), {
      PATH: '/usr/bin',
      HOME: '/root',
      TEST_VIGIL_DATABASE_URL: 'postgres://elsewhere',
      vigil_server__port: '1',
    });
    assert.equal(config.server.port, 8000);
    assert.equal(config.database.url, '');
  });

  it('accepts VIGIL_CONFIG_DIR and VIGIL_ADMIN_TOKEN without applying them to the config', () => {
    const dir = dirs.dir({ 'vigil.yaml': FILE });
    const withReserved = load(dir, { VIGIL_CONFIG_DIR: dir, VIGIL_ADMIN_TOKEN: 'a'.repeat(32) });
    assert.deepEqual(withReserved.config, load(dir).config);
  });
});

describe('env overrides: aliases and precedence', () => {
  it('reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, DATABASE_URL and VIGIL_TEMPORAL_CLI', () => {
    const { config } = load(dirs.dir(), {
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_NAMESPACE: 'prod',
      DATABASE_URL: 'postgres://vigil@db/vigil',
      VIGIL_TEMPORAL_CLI: '/opt/temporal/bin/temporal',
    });
    assert.equal(config.temporal.address, 'temporal:7233');
    assert.equal(config.temporal.namespace, 'prod');
    assert.equal(config.database.url, 'postgres://vigil@db/vigil');
    assert.equal(config.temporal.devServer.executable, '/opt/temporal/bin/temporal');
  });

  it('lets VIGIL_TEMPORAL__ADDRESS beat TEMPORAL_ADDRESS, which beats the file', () => {
    const dir = dirs.dir({ 'vigil.yaml': FILE });
    assert.equal(load(dir).config.temporal.address, 'from-file:7233');
    assert.equal(load(dir, { TEMPORAL_ADDRESS: 'alias:7233' }).config.temporal.address, 'alias:7233');
    assert.equal(load(dir, { TEMPORAL_ADDRESS: 'alias:7233', VIGIL_TEMPORAL__ADDRESS: 'vigil:7233' }).config.temporal.address, 'vigil:7233');
  });

  it('ignores an alias set to the empty string', () => {
    const { config } = load(dirs.dir({ 'vigil.yaml': FILE }), { TEMPORAL_ADDRESS: '', DATABASE_URL: '' });
    assert.equal(config.temporal.address, 'from-file:7233');
    assert.equal(config.database.url, '');
  });

  it('lets an empty VIGIL_ value clear a setting (e.g. to run the own dev server)', () => {
    const { config } = load(dirs.dir({ 'vigil.yaml': FILE }), { TEMPORAL_ADDRESS: 'alias:7233', VIGIL_TEMPORAL__ADDRESS: '' });
    assert.equal(config.temporal.address, '');
  });
});

describe('env overrides: errors', () => {
  it('names the variable when its value is wrong', () => {
    const error = loadError(dirs.dir({ 'vigil.yaml': FILE }), { VIGIL_SERVER__PORT: '80a' });
    assert.equal(error.message, 'env VIGIL_SERVER__PORT: server.port: must be an integer between 1 and 65535, got "80a"');
    assert.deepEqual(error.problems, [{ source: 'env VIGIL_SERVER__PORT', path: 'server.port', message: 'must be an integer between 1 and 65535, got "80a"' }]);
  });

  it('reports numbers out of range and words that are not booleans', () => {
    const error = loadError(dirs.dir(), { VIGIL_SERVER__OPS__PORT: '70000', VIGIL_TEMPORAL__TLS__ENABLED: 'maybe' });
    assert.deepEqual(error.problems.map(formatProblem).sort(), [
      'env VIGIL_SERVER__OPS__PORT: server.ops.port: must be an integer between 1 and 65535, got 70000',
      'env VIGIL_TEMPORAL__TLS__ENABLED: temporal.tls.enabled: must be true or false, got "maybe"',
    ]);
  });

  it('names the file for a bad file value and the variable for a bad env value, in one error', () => {
    const dir = dirs.dir({ 'vigil.yaml': 'database:\n  poolMax: 0\n' });
    const error = loadError(dir, { VIGIL_TEMPORAL__TASK_QUEUE_PREFIX: 'has space' });
    assert.deepEqual(error.problems.map(formatProblem).sort(), [
      `${shown(join(dir, 'vigil.yaml'))}: database.poolMax: must be an integer between 1 and 500, got 0`,
      'env VIGIL_TEMPORAL__TASK_QUEUE_PREFIX: temporal.taskQueuePrefix: must be a string (at least 1 character, matching /^[A-Za-z0-9_.-]+$/), got "has space"',
    ]);
  });

  it('blames the variable that was applied last when two set the same setting', () => {
    const error = loadError(dirs.dir(), { TEMPORAL_NAMESPACE: 'prod', VIGIL_TEMPORAL__NAMESPACE: '' });
    assert.deepEqual(error.problems, [{ source: 'env VIGIL_TEMPORAL__NAMESPACE', path: 'temporal.namespace', message: 'must be a string (at least 1 character), got ""' }]);
  });

  it('names the variable when a list given as JSON has a bad element', () => {
    const error = loadError(dirs.dir({ 'vigil.yaml': FILE }), { VIGIL_AUTH__TOKENS: '[{"name":"ops","role":"boss"},{"role":"read"}]' });
    assert.deepEqual(error.problems.map(formatProblem).sort(), [
      'env VIGIL_AUTH__TOKENS: auth.tokens[0].role: must be one of "read", "operate", "admin", got "boss"',
      'env VIGIL_AUTH__TOKENS: auth.tokens[1].name: is required',
    ]);
  });

  it('names the variable when a list is not valid JSON', () => {
    const error = loadError(dirs.dir(), { VIGIL_AUTH__TOKENS: '[{"name": oops' });
    assert.deepEqual(error.problems, [{ source: 'env VIGIL_AUTH__TOKENS', path: 'auth.tokens', message: 'must be a list, got "[{\\"name\\": oops"' }]);
  });

  it('names the element variable, not the file, for an overridden list field', () => {
    const error = loadError(dirs.dir({ 'vigil.yaml': FILE }), { VIGIL_AUTH__TOKENS__0__ROLE: 'root' });
    assert.deepEqual(error.problems.map(formatProblem), ['env VIGIL_AUTH__TOKENS__0__ROLE: auth.tokens[0].role: must be one of "read", "operate", "admin", got "root"']);
  });

  it('reports an unknown VIGIL_ variable with a did-you-mean', () => {
    const error = loadError(dirs.dir(), { VIGIL_SERVER__PROT: '9090' });
    assert.deepEqual(error.problems, [{ source: 'env VIGIL_SERVER__PROT', path: '', message: 'not a Vigil setting; did you mean "VIGIL_SERVER__PORT"?' }]);
    assert.equal(error.message, 'env VIGIL_SERVER__PROT: not a Vigil setting; did you mean "VIGIL_SERVER__PORT"?');
  });

  it('suggests the double underscore when a single one was used', () => {
    const [problem] = loadError(dirs.dir(), { VIGIL_SERVER_PORT: '9090' }).problems;
    assert.equal(problem.message, 'not a Vigil setting; did you mean "VIGIL_SERVER__PORT"?');
  });

  it('reports an unknown VIGIL_ variable without a suggestion when nothing is close', () => {
    const error = loadError(dirs.dir(), { VIGIL_COMPLETELY_UNRELATED_THING: '1' });
    assert.deepEqual(error.problems, [{ source: 'env VIGIL_COMPLETELY_UNRELATED_THING', path: '', message: 'not a Vigil setting' }]);
  });

  it('rejects a path below a scalar', () => {
    const error = loadError(dirs.dir(), { VIGIL_SERVER__PORT__NUMBER: '1' });
    assert.equal(error.problems[0].source, 'env VIGIL_SERVER__PORT__NUMBER');
    assert.match(error.problems[0].message, /^not a Vigil setting/);
  });
});

describe('knownEnvNames / isKnownEnvName agree with applyEnvOverrides', () => {
  const names = knownEnvNames(VigilConfigSchema);

  it('lists the names the docs promise', () => {
    for (const name of [
      'VIGIL_SERVER__PORT',
      'VIGIL_SERVER__OPS__PORT',
      'VIGIL_TEMPORAL__DEV_SERVER__UI_PORT',
      'VIGIL_WORKER__QUEUES__LLM__MAX_CONCURRENT_ACTIVITIES',
      'VIGIL_AUTH__TOKENS',
      'VIGIL_AUTH__TOKENS__0__ROLE',
      'VIGIL_DATA_DIR',
      'VIGIL_CONFIG_DIR',
      'VIGIL_ADMIN_TOKEN',
      ...Object.keys(ENV_ALIASES),
    ]) {
      assert.ok(names.includes(name), `${name} missing from knownEnvNames`);
    }
    assert.equal(new Set(names).size, names.length, 'no name is listed twice');
  });

  it('accepts every listed name, and each maps back to the path it names', () => {
    for (const name of names) {
      assert.ok(isKnownEnvName(VigilConfigSchema, name), `isKnownEnvName(${name})`);
      const { overrides, problems } = applyEnvOverrides(VigilConfigSchema, {}, { [name]: 'x' });
      assert.deepEqual(problems, [], `applyEnvOverrides rejected ${name}`);
      if (name in ENV_ALIASES) {
        assert.deepEqual(overrides, [{ name, pointer: ENV_ALIASES[name] }]);
      } else if (ENV_RESERVED.has(name)) {
        assert.deepEqual(overrides, []);
      } else {
        assert.equal(overrides.length, 1, name);
        assert.equal(envNameFor(overrides[0].pointer), name);
      }
    }
  });

  it('accepts any list index, in both', () => {
    const name = 'VIGIL_AUTH__TOKENS__12__NAME';
    assert.ok(isKnownEnvName(VigilConfigSchema, name));
    const { overrides, problems } = applyEnvOverrides(VigilConfigSchema, {}, { [name]: 'x' });
    assert.deepEqual(problems, []);
    assert.deepEqual(overrides, [{ name, pointer: '/auth/tokens/12/name' }]);
  });

  it('rejects, in both, names that are not settings', () => {
    for (const name of ['VIGIL_SERVER__PROT', 'VIGIL_SERVER_PORT', 'VIGIL_', 'VIGIL_SERVER__PORT__X', 'VIGIL_AUTH__TOKENS__X__ROLE', 'VIGIL_server__port', 'VIGIL___PROTO__']) {
      assert.equal(isKnownEnvName(VigilConfigSchema, name), false, `isKnownEnvName(${name})`);
      assert.ok(!names.includes(name), `${name} in knownEnvNames`);
      const { problems } = applyEnvOverrides(VigilConfigSchema, {}, { [name]: 'x' });
      assert.equal(problems.length, 1, `applyEnvOverrides accepted ${name}`);
    }
  });

  it('does not count variables of other tools as Vigil names', () => {
    assert.equal(isKnownEnvName(VigilConfigSchema, 'PATH'), false);
    assert.deepEqual(applyEnvOverrides(VigilConfigSchema, {}, { PATH: '/bin' }), { overrides: [], problems: [] });
  });
});
