// HTTP checks against real node:http and node:https servers on 127.0.0.1.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { runCheck, type HttpCheckSpec } from '../../lib/adapters/checks';
import { close, closedPort, listen, selfSigned } from './fixtures';

const BIG_BODY_BYTES = 1024 * 1024;
let flakyCalls = 0;

function routes(request: IncomingMessage, response: ServerResponse): void {
  const path = new URL(request.url ?? '/', 'http://x').pathname;
  const send = (status: number, body: string, type = 'text/plain') => {
    response.writeHead(status, { 'content-type': type });
    response.end(body);
  };
  switch (path) {
    case '/ok':
      return send(200, 'all good');
    case '/down':
      return send(503, 'overloaded');
    case '/teapot':
      return send(418, 'short and stout');
    case '/moved':
      response.writeHead(302, { location: '/ok' });
      return void response.end();
    case '/json':
      return send(200, JSON.stringify({ status: 'ok', checks: [{ name: 'db', ok: true }], 'a/b': 1 }), 'application/json');
    case '/json-degraded':
      return send(200, JSON.stringify({ status: 'degraded' }), 'application/json');
    case '/big':
      // 1 MiB of 'x', then a marker the check must not get to read.
      response.writeHead(200);
      response.write('x'.repeat(BIG_BODY_BYTES));
      return void response.end('MARKER');
    case '/hang-body':
      response.writeHead(200);
      return void response.write('partial'); // headers, then nothing more
    case '/hang':
      return; // never answers
    case '/flaky':
      flakyCalls += 1;
      return flakyCalls <= 2 ? send(500, `failure ${flakyCalls}`) : send(200, 'recovered');
    case '/echo': {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => send(200, JSON.stringify({ method: request.method, token: request.headers['x-token'], body }), 'application/json'));
      return;
    }
    default:
      return send(404, 'not found');
  }
}

const server = createServer(routes);
const tls = selfSigned();
const httpsServer = createHttpsServer({ key: tls.key, cert: tls.cert }, routes);
let base = '';
let httpsBase = '';

before(async () => {
  base = `http://127.0.0.1:${await listen(server)}`;
  httpsBase = `https://127.0.0.1:${await listen(httpsServer)}`;
});
after(async () => {
  await Promise.all([close(server), close(httpsServer)]);
  tls.cleanup();
});

const check = (path: string, extra: Partial<HttpCheckSpec> = {}) => runCheck({ type: 'http', url: `${base}${path}`, timeoutMs: 3_000, ...extra });

describe('http check', () => {
  it('is up on 200 and reports status, latency and one attempt', async () => {
    const result = await check('/ok');
    assert.equal(result.up, true);
    assert.equal(result.detail, 'HTTP 200');
    assert.equal(result.attempts, 1);
    assert.ok(Number.isInteger(result.latencyMs) && result.latencyMs >= 0);
  });

  it('is down on 503 with the status in the detail', async () => {
    const result = await check('/down');
    assert.equal(result.up, false);
    assert.match(result.detail, /HTTP 503, expected 200-399/);
  });

  it('counts a redirect as an answer by default and does not follow it', async () => {
    assert.equal((await check('/moved')).up, true);
    assert.equal((await check('/moved', { expectedStatus: [200] })).up, false);
  });

  it('uses the expected status set: single codes and ranges', async () => {
    assert.equal((await check('/teapot')).up, false);
    assert.equal((await check('/teapot', { expectedStatus: [200, 418] })).up, true);
    assert.equal((await check('/down', { expectedStatus: [{ from: 500, to: 599 }] })).up, true);
    assert.equal((await check('/ok', { expectedStatus: [{ from: 500, to: 599 }] })).up, false);
  });

  it('is down when nothing listens', async () => {
    const result = await runCheck({ type: 'http', url: `http://127.0.0.1:${await closedPort()}/`, timeoutMs: 3_000 });
    assert.equal(result.up, false);
    assert.match(result.detail, /ECONNREFUSED/);
  });

  it('sends method, headers and body', async () => {
    const result = await check('/echo', {
      method: 'post',
      headers: { 'x-token': 'secret-ish' },
      body: 'ping',
      json: { path: '', equals: { method: 'POST', token: 'secret-ish', body: 'ping' } },
    });
    assert.equal(result.up, true, result.detail);
  });

  it('matches the body against a regex', async () => {
    assert.equal((await check('/ok', { bodyRegex: 'all\\s+good' })).up, true);
    const miss = await check('/ok', { bodyRegex: '^healthy$' });
    assert.equal(miss.up, false);
    assert.match(miss.detail, /does not match \/\^healthy\$\//);
  });

  it('checks a JSON field by pointer', async () => {
    assert.equal((await check('/json', { json: { path: '/status', equals: 'ok' } })).up, true);
    assert.equal((await check('/json', { json: { path: '/checks/0/ok', equals: true } })).up, true);
    assert.equal((await check('/json', { json: { path: '/a~1b', equals: 1 } })).up, true);

    const wrong = await check('/json-degraded', { json: { path: '/status', equals: 'ok' } });
    assert.equal(wrong.up, false);
    assert.match(wrong.detail, /JSON \/status is "degraded", expected "ok"/);
    const missing = await check('/json', { json: { path: '/checks/1/ok', equals: true } });
    assert.equal(missing.up, false);
    assert.match(missing.detail, /JSON \/checks\/1\/ok is missing/);
    const notJson = await check('/ok', { json: { path: '/status', equals: 'ok' } });
    assert.equal(notJson.up, false);
    assert.match(notJson.detail, /not JSON/);
  });

  it('reads at most maxBodyBytes of the body', async () => {
    assert.equal((await check('/big', { bodyRegex: '^x+$', maxBodyBytes: 1024 })).up, true);
    const marker = await check('/big', { bodyRegex: 'MARKER', maxBodyBytes: 1024 });
    assert.equal(marker.up, false);
    assert.match(marker.detail, /body \(first 1024 bytes\) does not match/);
  });

  it('is down with a timeout detail when the server does not answer', async () => {
    const result = await check('/hang', { timeoutMs: 200 });
    assert.equal(result.up, false);
    assert.match(result.detail, /timed out after 200 ms/);
  });

  it('times out while reading a body that never ends', async () => {
    const result = await check('/hang-body', { timeoutMs: 200, bodyRegex: 'complete' });
    assert.equal(result.up, false);
    assert.match(result.detail, /HTTP 200, reading the body: timed out after 200 ms/);
  });

  it('retries within one check: fails twice, then up on the third attempt', async () => {
    flakyCalls = 0;
    const slept: number[] = [];
    const retried = await runCheck({ type: 'http', url: `${base}/flaky`, timeoutMs: 3_000, retry: { retries: 3, baseDelayMs: 100 } }, { jitter: () => 0.5, sleep: async (ms) => void slept.push(ms) });
    assert.deepEqual({ up: retried.up, attempts: retried.attempts, detail: retried.detail }, { up: true, attempts: 3, detail: 'HTTP 200' });
    assert.deepEqual(slept, [50, 100]);
  });

  describe('TLS', () => {
    it('fails verification against a self-signed certificate by default', async () => {
      const result = await runCheck({ type: 'http', url: `${httpsBase}/ok`, timeoutMs: 3_000 });
      assert.equal(result.up, false);
      assert.match(result.detail, /self[- ]signed|certificate/i);
    });

    it('succeeds with tlsVerify off', async () => {
      const result = await runCheck({ type: 'http', url: `${httpsBase}/ok`, timeoutMs: 3_000, tlsVerify: false, bodyRegex: 'good' });
      assert.equal(result.up, true, result.detail);
    });
  });

  it('throws for a bad spec (a programming error), not for a down service', async () => {
    await assert.rejects(check('/ok', { bodyRegex: '(' }), /bodyRegex: invalid regular expression/);
    await assert.rejects(runCheck({ type: 'http', url: 'not a url' }), TypeError);
  });
});
