// App definitions in the config directory: defaults, the runtime spec, and
// errors that name file:path: problem. Also loads the shipped example app.
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { readSource } from '../../activities/drift-sources';
import { loadConfig } from '../../lib/adapters/config/load';
import type { AppDefinitionSpec } from '../../lib/core/config/apps';
import { driftSpec } from '../../lib/core/drift/spec';
import { configDirs, load, shown } from '../config/config-dir';

const dirs = configDirs();
after(() => dirs.cleanup());

describe('app definitions', () => {
  it('fills defaults and turns into a runtime spec with milliseconds', () => {
    const dir = dirs.dir({
      'apps.yaml': `
apps:
  - name: web
    source: { type: git, repo: https://git.example.com/deploy.git, ref: v1.2.0, path: apps/web }
    provider: { type: http, baseUrl: "http://127.0.0.1:9000/state", applyMethod: PATCH, headersEnv: { authorization: WEB_TOKEN }, timeout: 5s }
    mode: self-heal
    ignore: [/metadata/annotations/*, /spec/replicas]
    syncWindows: [{ kind: allow, cron: "0 22 * * *", duration: 4h, timezone: Europe/Berlin }]
  - name: db
    source: { type: directory, path: desired/db }
    provider: { type: command, read: [psql, -c, "show all", "{target}"], apply: [apply-settings, "{target}"] }
`,
    });
    const { definitions, rejected } = load(dir);
    assert.deepEqual(rejected, []);
    const web = driftSpec(definitions.apps[0].spec as AppDefinitionSpec);
    assert.deepEqual(web, {
      app: 'web',
      mode: 'self-heal',
      intervalMs: 120_000,
      jitterMs: 60_000,
      source: { type: 'git', repo: 'https://git.example.com/deploy.git', ref: 'v1.2.0', path: 'apps/web' },
      provider: { type: 'http', baseUrl: 'http://127.0.0.1:9000/state', applyMethod: 'PATCH', headersEnv: { authorization: 'WEB_TOKEN' }, timeoutMs: 5_000 },
      ignore: ['/metadata/annotations/*', '/spec/replicas'],
      sensitive: [],
      heal: { maxAttempts: 5, initialBackoffMs: 2_000, maxBackoffMs: 300_000, contestedAfter: 2 },
      windows: [{ kind: 'allow', cron: '0 22 * * *', durationMs: 14_400_000, timezone: 'Europe/Berlin' }],
    });
    const db = driftSpec(definitions.apps[1].spec as AppDefinitionSpec);
    assert.deepEqual([db.mode, db.provider.type, (db.provider as { timeoutMs: number }).timeoutMs], ['detect', 'command', 30_000]);
  });

  it('rejects a bad app with file, path and problem, and still loads the good one', () => {
    const dir = dirs.dir({
      'apps.yaml': `
apps:
  - name: good
    source: { type: directory, path: d }
    provider: { type: file }
  - name: bad
    source: { type: svn, path: d }
    provider: { type: file, format: xml }
    ignore: [metadata/annotations]
    syncWindows: [{ kind: maybe, cron: "not cron", duration: 1h }]
`,
    });
    const file = shown(join(dir, 'apps.yaml'));
    const { definitions, rejected } = load(dir);
    assert.deepEqual(
      definitions.apps.map((definition) => definition.name),
      ['good'],
    );
    const messages = rejected.map((problem) => `${problem.source}: ${problem.path}: ${problem.message}`);
    assert.ok(
      messages.some((line) => line.startsWith(`${file}: apps[1].source.type: must be one of "directory", "git"`)),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((line) => line.startsWith(`${file}: apps[1].ignore[0]: must be a JSON pointer`)),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((line) => line.startsWith(`${file}: apps[1].syncWindows[0].cron: must be a cron expression`)),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((line) => line.includes('apps[1].provider.format')),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((line) => line.includes('apps[1].syncWindows[0].kind')),
      messages.join('\n'),
    );
  });

  it('the shipped example app loads without problems and its source reads', async () => {
    const loaded = loadConfig({ dir: resolve(__dirname, '..', '..', 'configs'), env: {} });
    assert.deepEqual(loaded.rejected, []);
    const example = driftSpec(loaded.definitions.apps.find((definition) => definition.name === 'example')!.spec as AppDefinitionSpec);
    assert.deepEqual(
      [example.mode, example.source, example.provider],
      ['self-heal', { type: 'directory', path: 'configs/drift/example' }, { type: 'file', root: '.vigil/drift-example', format: 'auto' }],
    );
    const snapshot = await readSource({ type: 'directory', path: resolve(__dirname, '..', '..', 'configs', 'drift', 'example') }, { cacheDir: '/nonexistent' });
    assert.deepEqual(
      snapshot.documents.map((document) => document.target),
      ['settings.json'],
    );
  });
});
