// TCP checks against real node:net servers on 127.0.0.1.
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runCheck, type TcpCheckSpec } from '../../lib/adapters/checks';
import { close, closedPort, listen } from './fixtures';

// Answers "PONG <what was sent>" to a line starting with PING, says nothing otherwise.
const echo = createServer((socket: Socket) => {
  socket.setEncoding('utf8');
  socket.on('data', (data: string) => {
    if (data.startsWith('PING')) socket.write(`PONG ${data.slice(5)}`);
  });
  socket.on('error', () => {});
});
// Greets, then hangs up.
const greeter = createServer((socket: Socket) => {
  socket.on('error', () => {});
  socket.end('220 ready\r\n');
});
let echoPort = 0;
let greeterPort = 0;

before(async () => {
  [echoPort, greeterPort] = [await listen(echo), await listen(greeter)];
});
after(async () => {
  await Promise.all([close(echo), close(greeter)]);
});

const check = (extra: Partial<TcpCheckSpec> & { port: number }) => runCheck({ type: 'tcp', host: '127.0.0.1', timeoutMs: 2_000, ...extra });

describe('tcp check', () => {
  it('is up when it connects', async () => {
    const result = await check({ port: echoPort });
    assert.deepEqual({ up: result.up, detail: result.detail, attempts: result.attempts }, { up: true, detail: `connected to 127.0.0.1:${echoPort}`, attempts: 1 });
  });

  it('is down when nothing listens', async () => {
    const result = await check({ port: await closedPort() });
    assert.equal(result.up, false);
    assert.match(result.detail, /ECONNREFUSED/);
  });

  it('sends and expects an answer', async () => {
    const result = await check({ port: echoPort, send: 'PING hello\n', expect: '^PONG hello' });
    assert.equal(result.up, true, result.detail);
  });

  it('reads a banner without sending', async () => {
    assert.equal((await check({ port: greeterPort, expect: '^220 ' })).up, true);
  });

  it('is down when the answer does not match before the peer hangs up', async () => {
    const result = await check({ port: greeterPort, expect: '^OK' });
    assert.equal(result.up, false);
    assert.match(result.detail, /closed by peer before "220 ready\\r\\n" matched \/\^OK\//);
  });

  it('is down with a timeout detail when the expected answer never comes', async () => {
    const result = await check({ port: echoPort, send: 'HELLO\n', expect: 'PONG', timeoutMs: 200 });
    assert.equal(result.up, false);
    assert.match(result.detail, /timed out after 200 ms/);
  });

  it('throws for an invalid expect regex (a bad spec)', async () => {
    await assert.rejects(check({ port: echoPort, expect: '[' }), /expect: invalid regular expression/);
  });
});
