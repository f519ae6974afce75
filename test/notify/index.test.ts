import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { VigilConfig } from '../../lib/core/config/schema';
import { buildNotifiers, notifyAll, type HealthEvent } from '../../lib/adapters/notify';
import { startReceiver, type Receiver } from './receiver';

const event: HealthEvent = {
  kind: 'healed',
  service: 'checkout',
  status: 'healthy',
  at: Date.parse('2026-11-23T10:05:00Z'),
  summary: 'healthy again after restart',
};

type Notifications = VigilConfig['notifications'];
const config = (notifications: Partial<Notifications>) => ({
  notifications: { slack: { webhookUrlEnv: '', channel: '' }, webhooks: [], ...notifications },
});

describe('buildNotifiers', () => {
  it('builds nothing and reports nothing when notifications are not configured', () => {
    assert.deepEqual(buildNotifiers(config({}), {}), { notifiers: [], problems: [] });
  });

  it('builds Slack and webhooks from env, and reports missing env vars instead of throwing', () => {
    const built = buildNotifiers(
      config({
        slack: { webhookUrlEnv: 'VIGIL_TEST_SLACK_URL', channel: '#ops' },
        webhooks: [
          { name: 'ok', url: 'http://127.0.0.1:9/a', headersEnv: { authorization: 'VIGIL_TEST_TOKEN' } },
          { name: 'no-token', url: 'http://127.0.0.1:9/b', headersEnv: { authorization: 'VIGIL_TEST_MISSING', 'x-key': 'VIGIL_TEST_ALSO_MISSING' } },
          { name: 'plain', url: 'http://127.0.0.1:9/c' },
        ],
      }),
      { VIGIL_TEST_SLACK_URL: 'https://hooks.slack.com/services/T/B/SECRET', VIGIL_TEST_TOKEN: 'Bearer SECRET' },
    );
    assert.deepEqual(
      built.notifiers.map((notifier) => notifier.name),
      ['slack', 'webhook:ok', 'webhook:plain'],
    );
    assert.deepEqual(built.problems, ['webhook:no-token: env var VIGIL_TEST_MISSING (header authorization), VIGIL_TEST_ALSO_MISSING (header x-key) not set (notifications.webhooks[1].headersEnv)']);
  });

  it('reports a missing or invalid Slack URL without showing it', () => {
    const missing = buildNotifiers(config({ slack: { webhookUrlEnv: 'VIGIL_TEST_SLACK_URL', channel: '' } }), {});
    assert.deepEqual(missing, {
      notifiers: [],
      problems: ['slack: env var VIGIL_TEST_SLACK_URL (notifications.slack.webhookUrlEnv) is not set'],
    });
    const invalid = buildNotifiers(config({ slack: { webhookUrlEnv: 'VIGIL_TEST_SLACK_URL', channel: '' } }), { VIGIL_TEST_SLACK_URL: 'not a url SECRET' });
    assert.equal(invalid.notifiers.length, 0);
    assert.deepEqual(invalid.problems, ['slack: the webhook URL is not an absolute http(s) URL']);
  });
});

describe('notifyAll against real receivers', () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver();
  });
  after(() => receiver.close());

  it('delivers to every notifier even when one fails, with per-notifier outcomes free of secrets', async () => {
    const { notifiers, problems } = buildNotifiers(
      config({
        slack: { webhookUrlEnv: 'SLACK_URL', channel: '' },
        webhooks: [
          { name: 'broken', url: receiver.url('/status/500/broken?key=kSECRET'), headersEnv: { 'x-api-key': 'BROKEN_KEY' } },
          { name: 'gone', url: receiver.url('/status/404/gone') },
          { name: 'ops', url: receiver.url('/ops'), headersEnv: { authorization: 'OPS_TOKEN' } },
        ],
      }),
      { SLACK_URL: receiver.url('/services/T/B/sSECRET'), BROKEN_KEY: 'xSECRET', OPS_TOKEN: 'Bearer oSECRET' },
    );
    assert.deepEqual(problems, []);
    const outcomes = await notifyAll(notifiers, event);
    assert.deepEqual(
      outcomes.map(({ name, ok, retryable }) => ({ name, ok, retryable })),
      [
        { name: 'slack', ok: true, retryable: undefined },
        { name: 'webhook:broken', ok: false, retryable: true },
        { name: 'webhook:gone', ok: false, retryable: false },
        { name: 'webhook:ops', ok: true, retryable: undefined },
      ],
    );
    assert.match(outcomes[1].error!, /^webhook:broken: POST http:\/\/127\.0\.0\.1:\d+\/\[redacted\] answered 500/);
    assert.doesNotMatch(JSON.stringify(outcomes), /SECRET/);

    const paths = receiver.requests.map((request) => request.path);
    assert.deepEqual(paths.sort(), ['/ops', '/services/T/B/sSECRET', '/status/404/gone', '/status/500/broken?key=kSECRET']);
    const ops = receiver.requests.find((request) => request.path === '/ops')!;
    assert.equal(ops.headers.authorization, 'Bearer oSECRET');
    assert.equal((ops.body as { kind: string }).kind, 'healed');
    assert.equal(receiver.requests.find((request) => request.path.startsWith('/status/500'))!.headers['x-api-key'], 'xSECRET');
  });

  it('returns no outcomes for no notifiers', async () => {
    assert.deepEqual(await notifyAll([], event), []);
  });
});
