// loadConfig and vigil.yaml: values, defaults, and how each kind of mistake is
// reported (file, path inside it, what is wrong). Env overrides: env.test.ts;
// service/app/policy files: definitions.test.ts.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, formatProblem, type ConfigProblem } from '../../lib/core/config/errors';
import { configFromObject, defaultConfigDir, loadConfig } from '../../lib/adapters/config/load';
import { assertFields, configDirs, load, loadError, shown } from './config-dir';

const dirs = configDirs();
after(() => dirs.cleanup());

describe('loadConfig: a valid vigil.yaml', () => {
  it('reads the values given and fills the defaults around them', () => {
    const dir = dirs.dir({
      'vigil.yaml': `
dataDir: /var/lib/vigil
server:
  host: 0.0.0.0
  port: 9000
  publicUrl: https://vigil.example.com
temporal:
  address: temporal.internal:7233
  namespace: ops
  tls:
    enabled: true
    serverName: temporal.internal
worker:
  queues:
    llm:
      maxActivitiesPerSecond: 0.5
auth:
  tokens:
    - name: ci
      role: operate
      env: VIGIL_CI_TOKEN
log:
  level: debug
`,
    });
    const { config, definitions, rejected, dir: loadedDir } = load(dir);

    assert.equal(loadedDir, dir);
    assert.equal(config.dataDir, '/var/lib/vigil');
    assert.equal(config.server.host, '0.0.0.0');
    assert.equal(config.server.port, 9000);
    assert.equal(config.server.publicUrl, 'https://vigil.example.com');
    assert.equal(config.temporal.address, 'temporal.internal:7233');
    assert.equal(config.temporal.namespace, 'ops');
    assertFields(config.temporal.tls, { enabled: true, serverName: 'temporal.internal', caFile: '', certFile: '', keyFile: '' });
    assert.deepEqual(config.auth.tokens, [{ name: 'ci', role: 'operate', env: 'VIGIL_CI_TOKEN' }]);
    assert.equal(config.log.level, 'debug');
    // Defaults next to given values, at every depth.
    assertFields(config.worker.queues.llm, { maxActivitiesPerSecond: 0.5, maxConcurrentActivities: 4 });
    assertFields(config.worker.queues.checks, { maxConcurrentActivities: 200, maxActivitiesPerSecond: 0 });
    assertFields(config.server.ops, { host: '127.0.0.1', port: 8081 });
    assert.equal(config.server.drainMs, 10_000);
    assert.equal(config.temporal.taskQueuePrefix, 'vigil');
    assert.equal(config.temporal.devServer.uiPort, 8233);
    assert.equal(config.database.schema, 'vigil');

    assert.deepEqual(definitions, { services: [], apps: [], policies: [] });
    assert.deepEqual(rejected, []);
  });

  it('gives all defaults when vigil.yaml is missing', () => {
    const { config, rejected } = load(dirs.dir());

    assert.deepEqual(rejected, []);
    assertFields(config, {
      dataDir: '.vigil',
      server: {
        host: '127.0.0.1',
        port: 8080,
        bodyLimitBytes: 1024 * 1024,
        requestTimeoutMs: 30_000,
        drainMs: 10_000,
        publicUrl: '',
        ops: { host: '127.0.0.1', port: 8081 },
      },
      temporal: {
        address: '',
        namespace: 'default',
        taskQueuePrefix: 'vigil',
        tls: { enabled: false },
        devServer: { executable: '', ip: '127.0.0.1', port: 7233, uiPort: 8233, ui: true, dbFile: '' },
      },
      worker: {
        shutdownGraceMs: 30_000,
        queues: {
          checks: { maxConcurrentActivities: 200, maxActivitiesPerSecond: 0 },
          actions: { maxConcurrentActivities: 10, maxActivitiesPerSecond: 0 },
          llm: { maxConcurrentActivities: 4, maxActivitiesPerSecond: 0 },
        },
      },
      database: { url: '', schema: 'vigil', poolMax: 10, connectTimeoutMs: 5_000, embedded: { port: 5433 } },
      auth: { tokens: [] },
      notifications: { slack: { webhookUrlEnv: '', channel: '' }, webhooks: [] },
      llm: { provider: 'anthropic', apiKeyEnv: 'ANTHROPIC_API_KEY', baseUrl: '' },
      log: { level: 'info' },
    });
  });

  it('treats a vigil.yaml with only comments like a missing one', () => {
    const empty = load(dirs.dir({ 'vigil.yaml': '# everything commented out\n# server:\n#   port: 9000\n' }));
    const missing = load(dirs.dir());
    assert.deepEqual(empty.config, missing.config);
  });

  it('fills defaults into a section given as an empty mapping', () => {
    const { config } = load(dirs.dir({ 'vigil.yaml': 'server: {}\nworker:\n  queues: {}\n' }));
    assert.equal(config.server.port, 8080);
    assert.equal(config.server.ops.port, 8081);
    assert.equal(config.worker.queues.llm.maxConcurrentActivities, 4);
  });

  it('takes the directory from VIGIL_CONFIG_DIR when no dir is given', () => {
    const dir = dirs.dir({ 'vigil.yaml': 'server:\n  port: 9123\n' });
    assert.equal(defaultConfigDir({ VIGIL_CONFIG_DIR: dir }), dir);
    assert.equal(defaultConfigDir({}), 'configs');
    const { config, dir: loadedDir } = loadConfig({ env: { VIGIL_CONFIG_DIR: dir } });
    assert.equal(loadedDir, dir);
    assert.equal(config.server.port, 9123);
  });
});

describe('loadConfig: an invalid vigil.yaml', () => {
  it('reports a YAML syntax error with file:line:col', () => {
    const dir = dirs.dir({ 'vigil.yaml': 'server:\n  port: 8080\n  port: 9090\n' });
    const file = shown(join(dir, 'vigil.yaml'));
    const error = loadError(dir);
    assert.deepEqual(error.problems, [{ source: `${file}:3:3`, path: '', message: 'Map keys must be unique' }]);
    assert.equal(error.message, `${file}:3:3: Map keys must be unique`);
  });

  it('points at the line of a tab used for indentation', () => {
    const dir = dirs.dir({ 'vigil.yaml': 'server:\n  host: localhost\n\tport: 1\n' });
    const [problem] = loadError(dir).problems;
    assert.equal(problem.source, `${shown(join(dir, 'vigil.yaml'))}:3:1`);
    assert.match(problem.message, /tab/i);
    assert.doesNotMatch(problem.message, /\n/);
  });

  it('reports a wrong type with file, path, expectation and the value given', () => {
    const dir = dirs.dir({ 'vigil.yaml': 'server:\n  port: 80a\n' });
    const file = shown(join(dir, 'vigil.yaml'));
    const error = loadError(dir);
    assert.ok(error instanceof ConfigError);
    assert.equal(error.name, 'ConfigError');
    assert.equal(error.message, `${file}: server.port: must be an integer between 1 and 65535, got "80a"`);
    assert.deepEqual(error.problems, [{ source: file, path: 'server.port', message: 'must be an integer between 1 and 65535, got "80a"' }]);
  });

  it('reports a value out of range', () => {
    const dir = dirs.dir({ 'vigil.yaml': 'server:\n  ops:\n    port: 70000\nworker:\n  maxConcurrentWorkflowTasks: 0\n' });
    const problems = loadError(dir).problems.map((problem) => [problem.path, problem.message]);
    assert.deepEqual(problems.sort(), [
      ['server.ops.port', 'must be an integer between 1 and 65535, got 70000'],
      ['worker.maxConcurrentWorkflowTasks', 'must be an integer between 1 and 1000, got 0'],
    ]);
  });

  it('reports a string that breaks its pattern, and a boolean given as a word', () => {
    const dir = dirs.dir({ 'vigil.yaml': 'database:\n  schema: Vigil-Prod\ntemporal:\n  tls:\n    enabled: sometimes\n' });
    const messages = Object.fromEntries(loadError(dir).problems.map((problem) => [problem.path, problem.message]));
    assert.deepEqual(messages, {
      'database.schema': 'must be a string (matching /^[a-z_][a-z0-9_]{0,62}$/), got "Vigil-Prod"',
      'temporal.tls.enabled': 'must be true or false, got "sometimes"',
    });
  });

  it('reports an unknown key with a did-you-mean when a known key is close', () => {
    const dir = dirs.dir({ 'vigil.yaml': 'server:\n  prot: 8080\n' });
    assert.deepEqual(loadError(dir).problems, [{ source: shown(join(dir, 'vigil.yaml')), path: 'server.prot', message: 'unknown key "prot"; did you mean "port"?' }]);
  });

  it('suggests top-level section names too', () => {
    const dir = dirs.dir({ 'vigil.yaml': 'temporl:\n  address: x:7233\n' });
    const [problem] = loadError(dir).problems;
    assert.equal(problem.path, 'temporl');
    assert.equal(problem.message, 'unknown key "temporl"; did you mean "temporal"?');
  });

  it('reports an unknown key without a suggestion when nothing is close', () => {
    const dir = dirs.dir({ 'vigil.yaml': 'server:\n  colourScheme: dark\n' });
    assert.deepEqual(loadError(dir).problems, [{ source: shown(join(dir, 'vigil.yaml')), path: 'server.colourScheme', message: 'unknown key "colourScheme"' }]);
  });

  it('reports a missing required field with its list index', () => {
    const dir = dirs.dir({ 'vigil.yaml': 'auth:\n  tokens:\n    - name: ok\n      role: read\n    - role: admin\n' });
    assert.deepEqual(loadError(dir).problems, [{ source: shown(join(dir, 'vigil.yaml')), path: 'auth.tokens[1].name', message: 'is required' }]);
  });

  it('reports a value outside an enum with the allowed values', () => {
    const dir = dirs.dir({ 'vigil.yaml': 'auth:\n  tokens:\n    - name: ci\n      role: superuser\n' });
    const error = loadError(dir);
    assert.deepEqual(error.problems, [{ source: shown(join(dir, 'vigil.yaml')), path: 'auth.tokens[0].role', message: 'must be one of "read", "operate", "admin", got "superuser"' }]);
  });

  it('reports a section that is not a mapping', () => {
    const dir = dirs.dir({ 'vigil.yaml': 'server: 8080\n' });
    assert.deepEqual(loadError(dir).problems.map(formatProblem), [`${shown(join(dir, 'vigil.yaml'))}: server: must be a mapping, got 8080`]);
  });

  for (const [what, text] of [
    ['a list', '- server\n- temporal\n'],
    ['a scalar', 'just some words\n'],
  ]) {
    it(`rejects a top level that is ${what}`, () => {
      const dir = dirs.dir({ 'vigil.yaml': text });
      assert.deepEqual(loadError(dir).problems, [{ source: shown(join(dir, 'vigil.yaml')), path: '', message: 'must be a mapping of settings' }]);
    });
  }

  it('rejects a config directory that does not exist, or is a file', () => {
    const missing = join(dirs.root, 'no-such-dir');
    assert.deepEqual(loadError(missing).problems, [{ source: shown(missing), path: '', message: 'config directory not found' }]);
    const file = join(dirs.dir({ 'vigil.yaml': 'server: {}\n' }), 'vigil.yaml');
    assert.deepEqual(loadError(file).problems, [{ source: shown(file), path: '', message: 'config directory not found' }]);
  });

  it('reports every problem at once, each with source, path and message', () => {
    const dir = dirs.dir({
      'vigil.yaml': `
server:
  port: 80a
  prot: 1
auth:
  tokens:
    - role: boss
log:
  level: loud
`,
    });
    const file = shown(join(dir, 'vigil.yaml'));
    const error = loadError(dir, { VIGIL_SERVER__HOTS: 'x' });
    const bySourceAndPath = (a: ConfigProblem, b: ConfigProblem) => `${a.source} ${a.path}`.localeCompare(`${b.source} ${b.path}`);
    const expected: ConfigProblem[] = [
      { source: 'env VIGIL_SERVER__HOTS', path: '', message: 'not a Vigil setting; did you mean "VIGIL_SERVER__HOST"?' },
      { source: file, path: 'auth.tokens[0].name', message: 'is required' },
      { source: file, path: 'auth.tokens[0].role', message: 'must be one of "read", "operate", "admin", got "boss"' },
      { source: file, path: 'log.level', message: 'must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent", got "loud"' },
      { source: file, path: 'server.port', message: 'must be an integer between 1 and 65535, got "80a"' },
      { source: file, path: 'server.prot', message: 'unknown key "prot"; did you mean "port"?' },
    ];
    assert.deepEqual([...error.problems].sort(bySourceAndPath), expected.sort(bySourceAndPath));
    // The message is one line per problem, in the same order as `problems`.
    assert.deepEqual(error.message.split('\n'), error.problems.map(formatProblem));
  });

  it('does not let a broken vigil.yaml through because the definitions are fine', () => {
    const dir = dirs.dir({ 'vigil.yaml': 'server:\n  port: -1\n', 'services.yaml': 'services:\n  - name: web\n' });
    assert.deepEqual(
      loadError(dir).problems.map((problem) => problem.path),
      ['server.port'],
    );
  });
});

describe('configFromObject', () => {
  it('validates like vigil.yaml without touching its argument', () => {
    const input = { server: { port: 9001 } };
    const config = configFromObject(input, 'test');
    assert.equal(config.server.port, 9001);
    assert.equal(config.server.ops.port, 8081);
    assert.deepEqual(input, { server: { port: 9001 } });
    assert.throws(() => configFromObject({ server: { port: 'x' } }, 'inline'), {
      name: 'ConfigError',
      message: 'inline: server.port: must be an integer between 1 and 65535, got "x"',
    });
  });
});
