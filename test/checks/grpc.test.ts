// gRPC checks against real @grpc/grpc-js servers on 127.0.0.1: the standard health
// implementation from grpc-health-check answering each status, a server that
// answers SERVICE_UNKNOWN, one without the Health service, and one behind TLS.
import assert from 'node:assert/strict';
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { HealthImplementation, service as healthService } from 'grpc-health-check';
import { after, before, describe, it } from 'node:test';
import { runCheck, type GrpcCheckSpec } from '../../lib/adapters/checks';
import { closedPort, selfSigned } from './fixtures';

async function start(setup: (server: Server) => void, credentials = ServerCredentials.createInsecure()): Promise<{ server: Server; address: string }> {
  const server = new Server();
  setup(server);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (error, bound) => (error ? reject(error) : resolve(bound))));
  return { server, address: `127.0.0.1:${port}` };
}

const health = new HealthImplementation({ '': 'SERVING', 'shop.Cart': 'SERVING', 'shop.Pay': 'NOT_SERVING', 'shop.Ship': 'UNKNOWN' });
const tls = selfSigned();
const servers: Server[] = [];
let healthy = '';
let serviceUnknown = '';
let noHealth = '';
let secure = '';
let hung = '';

before(async () => {
  const started = await Promise.all([
    start((server) => health.addToServer(server)),
    // Check answering SERVICE_UNKNOWN (a value the standard implementation only sends from Watch).
    start((server) =>
      server.addService(healthService, {
        check: (_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => callback(null, { status: 'SERVICE_UNKNOWN' }),
      }),
    ),
    // A gRPC server that has no Health service at all: UNIMPLEMENTED.
    start(() => {}),
    start((server) => health.addToServer(server), ServerCredentials.createSsl(null, [{ private_key: tls.key, cert_chain: tls.cert }])),
    // Never answers.
    start((server) => server.addService(healthService, { check: () => {} })),
  ]);
  servers.push(...started.map(({ server }) => server));
  [healthy, serviceUnknown, noHealth, secure, hung] = started.map(({ address }) => address);
});
after(() => {
  for (const server of servers) server.forceShutdown();
  tls.cleanup();
});

const check = (address: string, extra: Partial<GrpcCheckSpec> = {}) => runCheck({ type: 'grpc', address, timeoutMs: 3_000, ...extra });

describe('grpc check', () => {
  it('is up when the server is SERVING', async () => {
    const result = await check(healthy);
    assert.deepEqual({ up: result.up, detail: result.detail, attempts: result.attempts }, { up: true, detail: `${healthy} Health/Check: SERVING`, attempts: 1 });
  });

  it('asks about a named service', async () => {
    const result = await check(healthy, { service: 'shop.Cart' });
    assert.equal(result.up, true);
    assert.match(result.detail, /"shop.Cart": SERVING$/);
  });

  it('is down for NOT_SERVING, UNKNOWN and SERVICE_UNKNOWN', async () => {
    const pay = await check(healthy, { service: 'shop.Pay' });
    assert.deepEqual([pay.up, pay.detail.endsWith('NOT_SERVING')], [false, true]);
    const ship = await check(healthy, { service: 'shop.Ship' });
    assert.deepEqual([ship.up, ship.detail.endsWith(': UNKNOWN')], [false, true]);
    const unknown = await check(serviceUnknown);
    assert.deepEqual([unknown.up, unknown.detail.endsWith('SERVICE_UNKNOWN')], [false, true]);
  });

  it('is down for a service the health server does not know (NOT_FOUND)', async () => {
    const result = await check(healthy, { service: 'shop.Nope' });
    assert.equal(result.up, false);
    assert.match(result.detail, /NOT_FOUND/);
  });

  it('is down when the server does not implement Health (UNIMPLEMENTED)', async () => {
    const result = await check(noHealth);
    assert.equal(result.up, false);
    assert.match(result.detail, /UNIMPLEMENTED/);
  });

  it('is down when nothing listens', async () => {
    const result = await check(`127.0.0.1:${await closedPort()}`);
    assert.equal(result.up, false);
    assert.match(result.detail, /UNAVAILABLE/);
  });

  it('is down with a timeout detail when the server does not answer', async () => {
    const result = await check(hung, { timeoutMs: 200 });
    assert.equal(result.up, false);
    assert.match(result.detail, /timed out after 200 ms/);
  });

  it('follows a status change', async () => {
    health.setStatus('shop.Flip', 'NOT_SERVING');
    assert.equal((await check(healthy, { service: 'shop.Flip' })).up, false);
    health.setStatus('shop.Flip', 'SERVING');
    assert.equal((await check(healthy, { service: 'shop.Flip' })).up, true);
  });

  describe('TLS', () => {
    it('fails verification against a self-signed certificate by default', async () => {
      const result = await check(secure, { tls: {} });
      assert.equal(result.up, false);
      assert.match(result.detail, /UNAVAILABLE/);
    });

    it('succeeds with the certificate as CA, or with verification off', async () => {
      assert.equal((await check(secure, { tls: { caFile: tls.certFile, serverName: 'localhost' } })).up, true);
      assert.equal((await check(secure, { tls: { verify: false } })).up, true);
    });

    it('is down when speaking plaintext to a TLS server', async () => {
      assert.equal((await check(secure)).up, false);
    });
  });
});
