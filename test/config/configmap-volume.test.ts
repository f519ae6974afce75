// A config directory laid out the way a Kubernetes ConfigMap volume is: each key
// a symlink to `..data/<key>`, `..data` a symlink to `..<timestamp>/`, where the
// real files live. Vigil must see each definition once (k8s/ mounts vigil-config
// over /app/configs).
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { configDirs, load } from './config-dir';

const dirs = configDirs();
after(() => dirs.cleanup());

describe('a ConfigMap volume as the config directory', () => {
  it('loads each definition once and ignores the hidden copies', () => {
    const dir = dirs.dir();
    const stamp = '..2026_11_23_12_00_00.000000001';
    mkdirSync(join(dir, stamp));
    writeFileSync(join(dir, stamp, 'vigil.yaml'), 'log:\n  level: warn\n');
    writeFileSync(join(dir, stamp, 'services.yaml'), 'services:\n  - name: shop\n    checks:\n      - { name: home, type: http, url: "http://shop.local/" }\n');
    symlinkSync(stamp, join(dir, '..data'));
    for (const key of ['vigil.yaml', 'services.yaml']) symlinkSync(join('..data', key), join(dir, key));

    const loaded = load(dir);
    assert.equal(loaded.config.log.level, 'warn');
    assert.deepEqual(loaded.rejected, []);
    assert.deepEqual(
      loaded.definitions.services.map((service) => service.name),
      ['shop'],
    );
  });
});
