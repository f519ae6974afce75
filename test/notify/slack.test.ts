import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NON_RETRYABLE_NOTIFY_ERROR, type HealthEvent } from '../../lib/core/notify/types';
import { SLACK_LIMITS, escapeMrkdwn, slackBody, slackNotifier, type SlackBlock } from '../../lib/adapters/notify/slack';
import { startReceiver, type Receiver } from './receiver';

const event: HealthEvent = {
  kind: 'unhealthy',
  service: 'checkout',
  status: 'unhealthy',
  at: Date.parse('2026-11-23T10:00:00Z'),
  summary: '3 consecutive failures: HTTP 500',
  details: ['GET /health -> 500', 'body: internal error'],
};

const sectionTexts = (blocks: SlackBlock[]) => blocks.flatMap((block) => (block.type === 'section' ? [block.text?.text ?? '', ...(block.fields ?? []).map((field) => field.text)] : []));
const everyText = (body: ReturnType<typeof slackBody>) =>
  [body.text, ...body.blocks.flatMap((block) => (block.type === 'context' ? block.elements.map((element) => element.text) : []))].concat(sectionTexts(body.blocks));

describe('slackBody', () => {
  it('has a fallback text, a header with an emoji per kind, fields, summary and details', () => {
    const body = slackBody(event);
    assert.match(body.text, /checkout is unhealthy: 3 consecutive failures: HTTP 500/);
    const [header, fields, summary, details, ...rest] = body.blocks;
    assert.deepEqual(header, { type: 'header', text: { type: 'plain_text', text: ':red_circle: checkout is unhealthy', emoji: true } });
    assert.equal(fields.type, 'section');
    assert.deepEqual(
      (fields.type === 'section' ? (fields.fields ?? []) : []).map((field) => field.text.split('\n')[0]),
      ['*Service*', '*Status*', '*Time*'],
    );
    assert.match(JSON.stringify(fields), /<!date\^1795428000\^\{date_short_pretty\} \{time_secs\}\|2026-11-23T10:00:00\.000Z>/);
    assert.deepEqual(summary, { type: 'section', text: { type: 'mrkdwn', text: '3 consecutive failures: HTTP 500' } });
    assert.deepEqual(details, { type: 'section', text: { type: 'mrkdwn', text: '```\nGET /health -&gt; 500\nbody: internal error\n```' } });
    assert.deepEqual(rest, [], 'no links block without links');
    assert.equal(body.channel, undefined);
  });

  it('uses a different emoji for each kind and shows the action', () => {
    const emojis = (['unhealthy', 'healed', 'gave-up', 'remediated'] as const).map((kind) => {
      const header = slackBody({ ...event, kind }).blocks[0];
      return header.type === 'header' ? header.text.text.split(' ')[0] : '';
    });
    assert.equal(new Set(emojis).size, 4);
    const body = slackBody({ ...event, kind: 'remediated', action: { step: 'restart', type: 'exec', outcome: 'succeeded' } });
    assert.ok(sectionTexts(body.blocks).includes('*Action*\nrestart (exec): succeeded'));
  });

  it('adds a context block with links only when given', () => {
    const body = slackBody({ ...event, links: { vigil: 'http://vigil.local/services/checkout', temporal: 'http://localhost:8233/a|b' } });
    const last = body.blocks.at(-1)!;
    assert.equal(last.type, 'context');
    assert.equal(last.type === 'context' ? last.elements[0].text : '', '<http://vigil.local/services/checkout|Open in Vigil>  ·  <http://localhost:8233/a%7Cb|Open in Temporal>');
    const onlyVigil = slackBody({ ...event, links: { vigil: 'http://vigil.local/x' } }).blocks.at(-1)!;
    assert.equal(onlyVigil.type === 'context' ? onlyVigil.elements[0].text : '', '<http://vigil.local/x|Open in Vigil>');
    assert.notEqual(slackBody({ ...event, links: {} }).blocks.at(-1)!.type, 'context');
    assert.notEqual(slackBody({ ...event, links: { vigil: 'javascript:alert(1)' } }).blocks.at(-1)!.type, 'context');
  });

  it('escapes mentions, links and & from outside, so check output cannot inject them', () => {
    const hostile: HealthEvent = {
      ...event,
      service: 'a<b>',
      summary: 'ping <@U123> and <!channel> & <http://evil|click me>',
      details: ['<@U123>', '<http://evil|x> & more', '``` closing the fence'],
      action: { step: '<!here>', type: 'exec', outcome: 'ok' },
    };
    const body = slackBody(hostile);
    for (const text of everyText(body)) {
      // Slack's own date token is the only `<` we emit in these texts.
      assert.doesNotMatch(text.replace(/<!date\^[^>]*>/g, ''), /[<>]/, text);
      assert.doesNotMatch(text, /&(?!amp;|lt;|gt;)/, text);
    }
    assert.ok(sectionTexts(body.blocks).includes('ping &lt;@U123&gt; and &lt;!channel&gt; &amp; &lt;http://evil|click me&gt;'));
    const details = sectionTexts(body.blocks).find((text) => text.startsWith('```'))!;
    assert.ok(details.includes('&lt;@U123&gt;\n&lt;http://evil|x&gt; &amp; more'));
    assert.equal(details.match(/```/g)?.length, 2, 'a detail line cannot close the code block');
    assert.equal(escapeMrkdwn('a & <b>'), 'a &amp; &lt;b&gt;');
  });

  it('keeps within Slack limits, cutting with a marker', () => {
    const body = slackBody({
      ...event,
      service: 's'.repeat(400),
      summary: '&'.repeat(5000),
      details: Array.from({ length: 500 }, (_, index) => `line ${index} ${'<'.repeat(480)}`),
      action: { step: 'x'.repeat(3000), type: 'exec', outcome: 'failed' },
    });
    assert.ok(body.blocks.length <= SLACK_LIMITS.blocks);
    const header = body.blocks[0];
    assert.ok(header.type === 'header' && header.text.text.length <= SLACK_LIMITS.headerChars && header.text.text.endsWith('…'));
    for (const block of body.blocks) {
      if (block.type !== 'section') continue;
      if (block.text) assert.ok(block.text.text.length <= SLACK_LIMITS.sectionChars, `section of ${block.text.text.length}`);
      for (const field of block.fields ?? []) assert.ok(field.text.length <= SLACK_LIMITS.fieldChars);
    }
    assert.ok(body.text.length <= SLACK_LIMITS.sectionChars);
    const summary = sectionTexts(body.blocks).find((text) => text.startsWith('&amp;'))!;
    assert.match(summary, /(&amp;)+…$/, 'cut on an entity boundary, with a marker');
    const details = sectionTexts(body.blocks).find((text) => text.startsWith('```'))!;
    assert.match(details, /\n… \d+ more lines\n```$/);
    assert.doesNotMatch(details, /&[a-z]{0,3}…/, 'no half entity');
  });

  it('bounds details to 20 lines even when they fit', () => {
    const details = Array.from({ length: 30 }, (_, index) => `l${index}`);
    const text = sectionTexts(slackBody({ ...event, details }).blocks).find((candidate) => candidate.startsWith('```'))!;
    assert.equal(text, ['```', ...details.slice(0, 19), '… 11 more lines', '```'].join('\n'));
  });

  it('passes the channel through when configured', () => {
    assert.equal(slackBody(event, { channel: '#ops' }).channel, '#ops');
  });
});

describe('slackNotifier against a real receiver', () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver();
  });
  after(() => receiver.close());

  it('posts the Block Kit body as JSON', async () => {
    const webhookUrl = receiver.url('/services/T000/B000/okSECRET');
    await slackNotifier({ webhookUrl, channel: '#ops' }).send(event);
    const request = receiver.requests.find((candidate) => candidate.path === '/services/T000/B000/okSECRET')!;
    assert.equal(request.method, 'POST');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.deepEqual(request.body, JSON.parse(JSON.stringify(slackBody(event, { channel: '#ops' }))));
  });

  it('makes a 400 non-retryable, with status and body excerpt but without the URL', async () => {
    const webhookUrl = receiver.url('/status/400/T000/B000/badSECRET');
    const error = await slackNotifier({ webhookUrl })
      .send(event)
      .then(
        () => assert.fail('should have thrown'),
        (caught: unknown) => caught as Error & { retryable: boolean; status: number },
      );
    assert.equal(error.name, NON_RETRYABLE_NOTIFY_ERROR);
    assert.equal(error.status, 400);
    assert.equal(error.retryable, false);
    assert.match(error.message, /^slack: POST http:\/\/127\.0\.0\.1:\d+\/\[redacted\] answered 400: no_service: nothing at \[redacted\]/);
    assert.doesNotMatch(error.message, /badSECRET|B000/);
  });

  for (const status of [429, 500, 503]) {
    it(`leaves a ${status} retryable`, async () => {
      const error = await slackNotifier({ webhookUrl: receiver.url(`/status/${status}/x/SECRET`) })
        .send(event)
        .then(
          () => assert.fail('should have thrown'),
          (caught: unknown) => caught as Error,
        );
      assert.notEqual(error.name, NON_RETRYABLE_NOTIFY_ERROR);
      assert.match(error.message, new RegExp(`answered ${status}`));
      assert.doesNotMatch(error.message, /SECRET/);
    });
  }

  it('times out, retryably', async () => {
    const started = Date.now();
    const error = await slackNotifier({ webhookUrl: receiver.url('/hang/SECRET'), timeoutMs: 200 })
      .send(event)
      .then(
        () => assert.fail('should have thrown'),
        (caught: unknown) => caught as Error,
      );
    assert.ok(Date.now() - started < 5_000);
    assert.equal(error.name, 'NotifyError');
    assert.match(error.message, /timed out after 200 ms/);
    assert.doesNotMatch(error.message, /SECRET/);
  });

  it('reports a refused connection without the URL', async () => {
    const closed = await startReceiver();
    const webhookUrl = closed.url('/services/T/B/SECRET');
    await closed.close();
    const error = await slackNotifier({ webhookUrl })
      .send(event)
      .then(
        () => assert.fail('should have thrown'),
        (caught: unknown) => caught as Error,
      );
    assert.equal(error.name, 'NotifyError');
    assert.match(error.message, /failed: ECONNREFUSED/);
    assert.doesNotMatch(error.message, /SECRET/);
  });

  it('rejects a URL that is not http(s) without showing it', () => {
    assert.throws(
      () => slackNotifier({ webhookUrl: 'hooks.slack.com/services/SECRET' }),
      (error: Error) => {
        assert.equal(error.name, NON_RETRYABLE_NOTIFY_ERROR);
        assert.doesNotMatch(error.message, /SECRET/);
        return true;
      },
    );
  });
});
