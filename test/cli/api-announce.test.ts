// The announcement `vigil up` leaves in <dataDir>/run/api.json, and when an
// operator command takes it instead of loading vigil.yaml (cli/api-announce.ts):
// only for the same configuration directory, a live process, and no setting in
// the environment that could make the config say something else.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { announceApi, announcedApi, announcementFile } from '../../cli/api-announce';
import { resolveApiTarget } from '../../cli/api-client';

describe('the API announcement', { timeout: 10_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-announce-'));
  const configDir = resolve('configs');
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = { VIGIL_DATA_DIR: dataDir, VIGIL_CONFIG_DIR: configDir, PATH: '/usr/bin' };

  it('is taken while its process lives, for the same configuration, with nothing in the env to say otherwise', async () => {
    const remove = announceApi(dataDir, { url: 'http://127.0.0.1:18080', tokenFile: join(dataDir, 'admin-token'), configDir, pid: process.pid });
    assert.deepEqual(announcedApi(env)?.url, 'http://127.0.0.1:18080');
    assert.equal(announcedApi({ ...env, VIGIL_SERVER__PORT: '9000' }), undefined, 'a setting from the env may move the API');
    assert.equal(announcedApi({ ...env, VIGIL_CONFIG_DIR: join(dataDir, 'other') }), undefined, 'another configuration');
    // resolveApiTarget takes it before loading the config (which would fail here).
    const target = await resolveApiTarget({ env: { ...env, VIGIL_TOKEN: 't' }, load: () => Promise.reject(new Error('config loaded')), announced: () => announcedApi(env) });
    assert.deepEqual(target, { baseUrl: 'http://127.0.0.1:18080', token: 't', tokenOrigin: 'VIGIL_TOKEN' });
    remove();
    assert.equal(announcedApi(env), undefined, 'gone with its process');
  });

  it('is not taken from a process that is gone (vigil up killed)', () => {
    announceApi(dataDir, { url: 'http://127.0.0.1:18081', configDir, pid: 2 ** 22 + 12345 });
    assert.equal(announcedApi(env), undefined);
    rmSync(announcementFile(dataDir));
  });
});
