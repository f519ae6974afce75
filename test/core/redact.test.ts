// One secret-name rule (lib/core/redact.ts): a name masked in a drift field is
// masked in an action's argv, headers and URL query too, and the connection URLs
// the config API and `vigil up` show lose their password the same way.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeTarget } from '../../activities/actions';
import { configFromObject } from '../../lib/adapters/config/load';
import { redactConfig } from '../../lib/adapters/config/redact';
import { compileSensitive, redactValue } from '../../lib/core/drift/redact';
import { isSecretName, REDACTED, redactArgv, redactHeaders, redactUrl } from '../../lib/core/redact';

const SECRET_NAMES = [
  'pass',
  'passwd',
  'password',
  'DB_PASSWORD',
  'passphrase',
  'secret',
  'client_secret',
  'token',
  'X-Auth-Token',
  'api_key',
  'apikey',
  'api-key',
  'Authorization',
  'auth',
  'credentials',
  'private_key',
  'private-key',
  'privateKey',
];
const PLAIN_NAMES = ['user', 'host', 'port', 'replicas', 'image', 'name', 'timeout'];

describe('one secret-name rule', () => {
  it('calls the same names secret everywhere', () => {
    for (const name of SECRET_NAMES) assert.ok(isSecretName(name), name);
    for (const name of PLAIN_NAMES) assert.ok(!isSecretName(name), name);
  });

  it('masks each secret name in a drift field, action argv (both forms), headers and URL query', () => {
    const none = compileSensitive([]);
    for (const name of SECRET_NAMES) {
      const flag = name.replace(/[^\w.-]/g, '');
      assert.deepEqual(redactValue({ [name]: 'x', user: 'u' }, none), { [name]: REDACTED, user: 'u' }, `drift ${name}`);
      assert.deepEqual(redactArgv(['tool', `--${flag}`, 'x', '--user', 'u']), ['tool', `--${flag}`, REDACTED, '--user', 'u'], `argv --${flag} x`);
      assert.deepEqual(redactArgv(['tool', `${flag}=x`, 'user=u']), ['tool', `${flag}=${REDACTED}`, 'user=u'], `argv ${flag}=x`);
      assert.deepEqual(redactHeaders({ [name]: 'x', accept: 'json' }), { [name]: REDACTED, accept: 'json' }, `header ${name}`);
      assert.equal(redactUrl(`https://h/p?${encodeURIComponent(name)}=x&user=u`), `https://h/p?${encodeURIComponent(name)}=${REDACTED}&user=u`, `url ${name}`);
    }
  });

  it('masks --passwd and private_key=… in what the audit trail shows of an exec action', () => {
    const target = describeTarget({ type: 'exec', argv: ['/usr/bin/db-restart', '--passwd', 'hunter2', 'private_key=-----BEGIN', '--user', 'ops'], timeoutMs: 1000, expectedExitCodes: [0] });
    assert.equal(target, JSON.stringify(['/usr/bin/db-restart', '--passwd', REDACTED, `private_key=${REDACTED}`, '--user', 'ops']));
    assert.ok(!target.includes('hunter2') && !target.includes('BEGIN'));
  });

  it('shows a URL password masked, readably, and hides a URL it cannot parse', () => {
    assert.equal(redactUrl('postgres://vigil:s3cret@db:5432/vigil?sslmode=require'), `postgres://vigil:${REDACTED}@db:5432/vigil?sslmode=require`);
    assert.equal(redactUrl('postgres://vigil@db/vigil'), 'postgres://vigil@db/vigil');
    assert.equal(redactUrl('not a url with s3cret'), '(unparseable URL)');
  });

  it('the config API shows the database URL and inline tokens masked', () => {
    const config = configFromObject({ database: { url: 'postgres://vigil:s3cret@db:5432/vigil' }, auth: { tokens: [{ name: 'ops', role: 'admin', value: 'tok-0123456789abcdef' }] } });
    const shown = redactConfig(config);
    assert.equal(shown.database.url, `postgres://vigil:${REDACTED}@db:5432/vigil`);
    assert.equal(shown.auth.tokens[0].value, REDACTED);
    assert.ok(!JSON.stringify(shown).includes('s3cret') && !JSON.stringify(shown).includes('tok-0123456789abcdef'));
  });
});
