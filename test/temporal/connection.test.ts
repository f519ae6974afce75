// How config turns into Temporal connection options: API key by env var name
// (which turns TLS on), and mTLS files read from disk.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { configFromObject } from '../../lib/adapters/config/load';
import { temporalTarget } from '../../lib/adapters/temporal/connection';

describe('Temporal connection options from config', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-tls-'));
    for (const name of ['ca.pem', 'client.pem', 'client.key']) writeFileSync(join(dir, name), `contents of ${name}`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('connects in plain text with no key and no TLS settings', () => {
    const target = temporalTarget(configFromObject({ temporal: { namespace: 'prod' } }), 'temporal:7233', {});
    assert.deepEqual(target, { address: 'temporal:7233', namespace: 'prod', apiKey: undefined, tls: undefined });
  });

  it('reads the API key from the env var the config names, and turns TLS on for it', () => {
    const config = configFromObject({ temporal: { apiKeyEnv: 'MY_TEMPORAL_KEY' } });
    const target = temporalTarget(config, 'ns.acct.tmprl.cloud:7233', { MY_TEMPORAL_KEY: 'key-123', TEMPORAL_API_KEY: 'other' });
    assert.equal(target.apiKey, 'key-123');
    assert.ok(target.tls, 'TLS is on');
    assert.equal(temporalTarget(configFromObject({}), 'x:7233', { TEMPORAL_API_KEY: 'default-env' }).apiKey, 'default-env');
  });

  it('reads the CA and client certificate files for mTLS', () => {
    const config = configFromObject({
      temporal: {
        tls: { enabled: true, serverName: 'temporal.internal', caFile: join(dir, 'ca.pem'), certFile: join(dir, 'client.pem'), keyFile: join(dir, 'client.key') },
      },
    });
    const tls = temporalTarget(config, 'temporal:7233', {}).tls as Record<string, any>;
    assert.equal(tls.serverNameOverride, 'temporal.internal');
    assert.equal(tls.serverRootCACertificate.toString(), 'contents of ca.pem');
    assert.equal(tls.clientCertPair.crt.toString(), 'contents of client.pem');
    assert.equal(tls.clientCertPair.key.toString(), 'contents of client.key');
  });
});

describe('Temporal TLS files that cannot be read', () => {
  it('are a config error naming the setting and the file', () => {
    const config = configFromObject({ temporal: { tls: { enabled: true, caFile: '/nonexistent/ca.pem' } } });
    assert.throws(() => temporalTarget(config, 'x:7233', {}), /temporal\.tls\.caFile: cannot read \/nonexistent\/ca\.pem: ENOENT/);
  });
});
