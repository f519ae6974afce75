// Requests an attacker or a broken client sends, through a real socket: JSON nested
// ten thousand deep on every authenticated POST route is a 400 naming the limit,
// not a 500; a body or headers sent a byte a second end at server.requestTimeoutMs,
// not a minute later.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { bearer, buildTestApi, type TestApi } from '../helpers/api';
import { createTestDatabase, uniqueName, type TestDatabase } from '../helpers/harness';

const REQUEST_TIMEOUT_MS = 2_000;

describe('hostile requests', { timeout: 120_000 }, () => {
  let db: TestDatabase;
  let api: TestApi;
  let port: number;

  before(async () => {
    db = await createTestDatabase('hostile');
    api = await buildTestApi({ db, taskQueuePrefix: uniqueName('hostile'), config: { server: { requestTimeoutMs: REQUEST_TIMEOUT_MS } } });
    await api.app.listen({ host: '127.0.0.1', port: 0 });
    port = (api.app.server.address() as { port: number }).port;
  });
  after(async () => {
    await api.close();
    await db.close();
  });

  it('refuses deeply nested JSON on every POST route with a 400 naming the depth limit', async () => {
    const body = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const object = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const routes = api.app.printRoutes({ commonPrefix: false });
    const posts = ['/api/v1/alerts', '/api/v1/triage', '/api/v1/metrics', '/api/v1/selfcheck', '/api/v1/config/apply'];
    for (const url of posts) {
      for (const payload of [body, object]) {
        const response = await fetch(`http://127.0.0.1:${port}${url}`, { method: 'POST', headers: { ...bearer('admin'), 'content-type': 'application/json' }, body: payload });
        assert.equal(response.status, 400, `${url}: ${response.status} ${await response.clone().text()}\n${routes}`);
        assert.match(((await response.json()) as { message: string }).message, /nested too deeply \(at most \d+ levels/, url);
      }
    }
  });

  /** Opens a connection, writes `head` at once, then one byte of `drip` a second; resolves with what came back and when. */
  function slowClient(head: string, drip: string): Promise<{ reply: string; ms: number }> {
    return new Promise((resolve) => {
      const started = Date.now();
      const socket = connect(port, '127.0.0.1');
      let reply = '';
      let sent = 0;
      socket.write(head);
      const timer = setInterval(() => sent < drip.length && socket.write(drip[sent++]), 1_000);
      socket.on('data', (chunk) => (reply += chunk));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ reply, ms: Date.now() - started });
      });
    });
  }

  it('ends a body sent a byte a second at the request timeout with a 408', async () => {
    const body = JSON.stringify({ requestedBy: 'x'.repeat(200) });
    const head = `POST /api/v1/selfcheck HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${bearer('operate').authorization.slice(7)}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const { reply, ms } = await slowClient(head, body);
    assert.match(reply, /^HTTP\/1\.1 408/);
    assert.ok(ms >= REQUEST_TIMEOUT_MS - 100 && ms < REQUEST_TIMEOUT_MS + 2_500, `ended after ${ms} ms`);
  });

  it('ends headers sent a byte a second at the request timeout', async () => {
    const { reply, ms } = await slowClient('GET /api/v1/services HTTP/1.1\r\n', `X-Slow: ${'y'.repeat(200)}\r\n`);
    assert.match(reply, /^HTTP\/1\.1 408/);
    assert.ok(ms < REQUEST_TIMEOUT_MS + 2_500, `ended after ${ms} ms`);
  });
});
