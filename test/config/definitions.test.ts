// Definition files: every *.yaml / *.yml in the config directory besides
// vigil.yaml, holding `services`, `apps` and `policies` lists. A bad item or file
// is rejected on its own (into `rejected`); everything else still loads.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { configDirs, load, shown } from './config-dir';

const dirs = configDirs();
after(() => dirs.cleanup());

const names = (definitions: { name: string }[]) => definitions.map((definition) => definition.name);

describe('definition files', () => {
  it('loads services, apps and policies with their source and whole spec', () => {
    const dir = dirs.dir({
      'fleet.yaml': `
services:
  - name: web
    checks:
      - { name: health, type: http, url: "http://web:8080/healthz" }
  - name: api
apps:
  - { name: shop, source: { type: directory, path: desired }, provider: { type: file } }
policies:
  - name: quiet-hours
`,
    });
    const file = shown(join(dir, 'fleet.yaml'));
    const { definitions, rejected } = load(dir);

    assert.deepEqual(rejected, []);
    assert.deepEqual(
      definitions.services.map(({ kind, name, source }) => ({ kind, name, source })),
      [
        { kind: 'services', name: 'web', source: `${file}:services[0]` },
        { kind: 'services', name: 'api', source: `${file}:services[1]` },
      ],
    );
    const web = definitions.services[0].spec as Record<string, any>;
    assert.equal(web.checks[0].url, 'http://web:8080/healthz');
    assert.equal(web.checks[0].interval, '10s', 'defaults are filled in');
    assert.equal(web.thresholds.failureThreshold, 3);
    assert.deepEqual(
      definitions.apps.map(({ kind, name, source }) => ({ kind, name, source })),
      [{ kind: 'apps', name: 'shop', source: `${file}:apps[0]` }],
    );
    const shop = definitions.apps[0].spec as Record<string, any>;
    assert.deepEqual([shop.mode, shop.interval, shop.source.path], ['detect', '120s', 'desired'], 'app defaults are filled in');
    assert.deepEqual(names(definitions.policies), ['quiet-hours']);
  });

  it('reads files in subdirectories and .yml files, in name order', () => {
    const dir = dirs.dir({
      'services/web.yaml': 'services:\n  - name: web\n',
      'services/api.yml': 'services:\n  - name: api\n',
      'apps.yaml': 'apps:\n  - { name: shop, source: { type: directory, path: desired }, provider: { type: file } }\n',
      'README.md': 'services: [this is not yaml config]\n',
    });
    const { definitions, rejected } = load(dir);
    assert.deepEqual(rejected, []);
    assert.deepEqual(names(definitions.services), ['api', 'web']);
    assert.equal(definitions.services[1].source, `${shown(join(dir, 'services', 'web.yaml'))}:services[0]`);
    assert.deepEqual(names(definitions.apps), ['shop']);
  });

  it('skips an empty definition file', () => {
    const { definitions, rejected } = load(dirs.dir({ 'empty.yaml': '# nothing yet\n', 'web.yaml': 'services:\n  - name: web\n' }));
    assert.deepEqual(rejected, []);
    assert.deepEqual(names(definitions.services), ['web']);
  });

  it('ignores a directory whose name ends in .yaml', () => {
    const dir = dirs.dir({ 'web.yaml': 'services:\n  - name: web\n' });
    mkdirSync(join(dir, 'old.yaml'));
    const { definitions, rejected } = load(dir);
    assert.deepEqual(rejected, []);
    assert.deepEqual(names(definitions.services), ['web']);
  });

  it('rejects a bad item with file and path while the good ones load', () => {
    const dir = dirs.dir({
      'services.yaml': `
services:
  - name: web
  - name: Web Server
  - url: http://nameless
  - just-a-string
  - name: api
`,
    });
    const file = shown(join(dir, 'services.yaml'));
    const { definitions, rejected } = load(dir);

    assert.deepEqual(names(definitions.services), ['web', 'api']);
    assert.deepEqual(definitions.services[1].source, `${file}:services[4]`);
    assert.deepEqual(rejected, [
      { source: file, path: 'services[1].name', message: 'must be a name of lowercase letters, digits, ".", "_" or "-", got "Web Server"' },
      { source: file, path: 'services[2].name', message: 'is required' },
      { source: file, path: 'services[2].url', message: 'unknown key "url"' },
      { source: file, path: 'services[3]', message: 'must be a mapping, got "just-a-string"' },
    ]);
  });

  it('rejects a duplicate name, in one file and across files, keeping the first', () => {
    const dir = dirs.dir({
      'a.yaml': 'services:\n  - name: web\n  - name: web\napps:\n  - { name: web, source: { type: directory, path: desired }, provider: { type: file } }\n',
      'b.yaml': 'services:\n  - name: api\n  - name: web\n',
    });
    const [a, b] = [shown(join(dir, 'a.yaml')), shown(join(dir, 'b.yaml'))];
    const { definitions, rejected } = load(dir);

    assert.deepEqual(names(definitions.services), ['web', 'api']);
    assert.equal(definitions.services[0].source, `${a}:services[0]`);
    // The same name in another kind is not a duplicate.
    assert.deepEqual(names(definitions.apps), ['web']);
    assert.deepEqual(rejected, [
      { source: a, path: 'services[1].name', message: `"web" is already defined at ${a}:services[0]` },
      { source: b, path: 'services[1].name', message: `"web" is already defined at ${a}:services[0]` },
    ]);
  });

  it('rejects an unknown top-level key with a did-you-mean and still loads the known ones', () => {
    const dir = dirs.dir({ 'mixed.yaml': 'service:\n  - name: web\napps:\n  - { name: shop, source: { type: directory, path: desired }, provider: { type: file } }\nwidgets:\n  - name: x\n' });
    const file = shown(join(dir, 'mixed.yaml'));
    const { definitions, rejected } = load(dir);

    assert.deepEqual(definitions.services, []);
    assert.deepEqual(names(definitions.apps), ['shop']);
    assert.deepEqual(rejected, [
      { source: file, path: 'service', message: 'unknown key "service"; did you mean "services"? (expected services, apps, policies)' },
      { source: file, path: 'widgets', message: 'unknown key "widgets" (expected services, apps, policies)' },
    ]);
  });

  it('rejects a kind that is not a list, and a file that is not a mapping', () => {
    const dir = dirs.dir({
      'a.yaml': 'services:\n  name: web\napps:\n  - { name: shop, source: { type: directory, path: desired }, provider: { type: file } }\n',
      'b.yaml': '- name: web\n',
    });
    const { definitions, rejected } = load(dir);

    assert.deepEqual(names(definitions.apps), ['shop']);
    assert.deepEqual(rejected, [
      { source: shown(join(dir, 'a.yaml')), path: 'services', message: 'must be a list' },
      { source: shown(join(dir, 'b.yaml')), path: '', message: 'must be a mapping with services, apps, policies' },
    ]);
  });

  it('rejects a file with a YAML error (file:line:col) and loads the others', () => {
    const dir = dirs.dir({
      'a-broken.yaml': 'services:\n  - name: web\n    url: "http://unterminated\n',
      'b-good.yaml': 'services:\n  - name: api\n',
      'c-dup-key.yaml': 'apps:\n  - name: shop\napps:\n  - name: blog\n',
    });
    const { definitions, rejected } = load(dir);

    assert.deepEqual(names(definitions.services), ['api']);
    assert.deepEqual(definitions.apps, []);
    const sources = rejected.map((problem) => problem.source);
    assert.ok(sources.length >= 2, JSON.stringify(rejected));
    assert.ok(
      sources.every((source) => /^(.*a-broken\.yaml|.*c-dup-key\.yaml):\d+:\d+$/.test(source)),
      `every problem names file:line:col: ${JSON.stringify(sources)}`,
    );
    assert.ok(sources.some((source) => source.startsWith(shown(join(dir, 'a-broken.yaml')))));
    assert.deepEqual(
      rejected.filter((problem) => problem.source.startsWith(shown(join(dir, 'c-dup-key.yaml')))),
      [{ source: `${shown(join(dir, 'c-dup-key.yaml'))}:3:1`, path: '', message: 'Map keys must be unique' }],
    );
  });

  it('does not read vigil.yaml as a definition file', () => {
    const { definitions, rejected, config } = load(dirs.dir({ 'vigil.yaml': 'server:\n  port: 9000\n', 'web.yaml': 'services:\n  - name: web\n' }));
    assert.equal(config.server.port, 9000);
    assert.deepEqual(rejected, []);
    assert.deepEqual(names(definitions.services), ['web']);
  });
});
