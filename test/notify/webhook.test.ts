import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NON_RETRYABLE_NOTIFY_ERROR, type HealthEvent } from '../../lib/core/notify/types';
import { webhookBody, webhookNotifier } from '../../lib/adapters/notify/webhook';
import { startReceiver, type Receiver } from './receiver';

const event: HealthEvent = {
  kind: 'gave-up',
  service: 'checkout',
  status: 'unhealthy',
  at: Date.parse('2026-11-23T10:00:00Z'),
  summary: '3 actions in 15m; giving up',
  details: ['restart: exit 1', 'rollback: exit 1'],
  action: { step: 'rollback', type: 'exec', outcome: 'failed' },
  links: { vigil: 'http://vigil.local/services/checkout' },
};

describe('webhookBody', () => {
  it('is the documented version 1 shape', () => {
    assert.deepEqual(webhookBody(event), {
      version: 1,
      kind: 'gave-up',
      service: 'checkout',
      status: 'unhealthy',
      at: '2026-11-23T10:00:00.000Z',
      summary: '3 actions in 15m; giving up',
      details: ['restart: exit 1', 'rollback: exit 1'],
      action: { step: 'rollback', type: 'exec', outcome: 'failed' },
      links: { vigil: 'http://vigil.local/services/checkout' },
    });
  });

  it('always has every key, with empty values when absent', () => {
    const body = webhookBody({ kind: 'healed', service: 's', status: 'healthy', at: 0, summary: 'ok' });
    assert.deepEqual(body, {
      version: 1,
      kind: 'healed',
      service: 's',
      status: 'healthy',
      at: '1970-01-01T00:00:00.000Z',
      summary: 'ok',
      details: [],
      action: null,
      links: {},
    });
    assert.equal(JSON.stringify(webhookBody({ ...event, links: { vigil: '', temporal: undefined } }).links), '{}');
  });

  it('bounds details and leaves text unescaped (it is JSON, not mrkdwn)', () => {
    const body = webhookBody({ ...event, details: [...Array.from({ length: 40 }, () => '<@U1> & x'), 'y'.repeat(2000)] });
    assert.equal(body.details.length, 20);
    assert.equal(body.details[0], '<@U1> & x');
    assert.equal(body.details[19], '… 22 more lines');
    const long = webhookBody({ ...event, details: ['y'.repeat(2000)] }).details[0];
    assert.equal(long.length, 500);
    assert.ok(long.endsWith('…'));
  });
});

describe('webhookNotifier against a real receiver', () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver();
  });
  after(() => receiver.close());

  it('posts the body as JSON with the configured headers', async () => {
    const url = receiver.url('/hooks/vigil?token=qSECRET');
    const notifier = webhookNotifier({ name: 'ops', url, headers: { authorization: 'Bearer hSECRET', 'X-Team': 'sre', 'Content-Type': 'text/plain' } });
    assert.equal(notifier.name, 'webhook:ops');
    await notifier.send(event);
    const request = receiver.requests.find((candidate) => candidate.path === '/hooks/vigil?token=qSECRET')!;
    assert.equal(request.method, 'POST');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers.authorization, 'Bearer hSECRET');
    assert.equal(request.headers['x-team'], 'sre');
    assert.deepEqual(request.body, webhookBody(event));
  });

  it('fails a 400 non-retryably without the URL or header values, even when the receiver echoes them', async () => {
    const notifier = webhookNotifier({ name: 'ops', url: receiver.url('/status/400/hook?token=qSECRET'), headers: { authorization: 'Bearer hSECRET' } });
    const error = await notifier.send(event).then(
      () => assert.fail('should have thrown'),
      (caught: unknown) => caught as Error,
    );
    assert.equal(error.name, NON_RETRYABLE_NOTIFY_ERROR);
    assert.match(error.message, /^webhook:ops: POST http:\/\/127\.0\.0\.1:\d+\/\[redacted\] answered 400: no_service/);
    assert.doesNotMatch(error.message, /SECRET|token=/);
  });

  it('fails a 429 and a 500 retryably', async () => {
    for (const status of [429, 500]) {
      const error = await webhookNotifier({ name: 'ops', url: receiver.url(`/status/${status}/hook`) })
        .send(event)
        .then(
          () => assert.fail('should have thrown'),
          (caught: unknown) => caught as Error,
        );
      assert.equal(error.name, 'NotifyError', `${status}`);
      assert.match(error.message, new RegExp(`answered ${status}`));
    }
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    const sending = webhookNotifier({ name: 'ops', url: receiver.url('/hang/hook') }).send(event, controller.signal);
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(sending, /webhook:ops: POST .* failed: aborted/);
  });
});
