// Faults of resources and reachability, injected into a running shop through the
// real `vigil-demo` command: CPU, memory, connection pools, an unreachable callee.
// Each shows where a real one would (process metrics, pool gauges, health, the
// callers' client metrics and logs) and nowhere else.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MEMORY_LIMIT_BYTES } from '../../demo/shop/runtime';
import type { ServiceName } from '../../demo/shop/topology';
import { eventually } from '../helpers/eventually';
import { startTestShop, type TestShop } from '../helpers/shop';

let shop: TestShop;

const errorLines = (service: ServiceName) => shop.logs(service).filter((line) => line.level === 'error').length;

/** Services a fault must leave alone: healthy, no new error lines. */
function quiet(services: ServiceName[]): () => Promise<void> {
  const before = services.map(errorLines);
  return async () => {
    assert.deepEqual(services.map(errorLines), before, `no new error lines in ${services.join(', ')}`);
    for (const service of services) assert.equal((await shop.health(service)).status, 200, `${service} healthy`);
  };
}

async function cpuRate(service: ServiceName): Promise<number> {
  const first = await shop.metric(service, 'process_cpu_seconds_total');
  await sleep(1_000);
  return (await shop.metric(service, 'process_cpu_seconds_total')) - first;
}

describe('shop faults of resources and reachability', { timeout: 120_000 }, () => {
  before(async () => {
    shop = await startTestShop();
  });
  afterEach(async () => {
    await shop.ctl('heal');
  });
  after(async () => {
    await shop?.close();
  });

  it('cpu: inventory burns a core until healed', async () => {
    const untouched = quiet(['gateway', 'orders', 'payments', 'inventory', 'db']);
    assert.match((await shop.ctl('fail', 'cpu')).stdout, /inventory: cpu injected/); // inventory by default
    const busy = await cpuRate('inventory');
    assert.ok(busy > 0.35, `inventory used ${busy} s of CPU in a second`);
    assert.deepEqual(await shop.checkouts(2), [200, 200]); // slower, still answering
    await shop.ctl('heal', 'inventory');
    const idle = await cpuRate('inventory');
    assert.ok(idle < 0.15, `after heal, ${idle} s of CPU in a second`);
    await untouched();
  });

  it('memory: inventory grows until memory pressure, then /healthz says so; heal stops it', async () => {
    const untouched = quiet(['gateway', 'orders', 'payments', 'db']);
    const rss = await shop.metric('inventory', 'process_resident_memory_bytes');
    assert.equal((await shop.ctl('fault', 'inventory', 'memory')).code, 0);
    await eventually(async () => (await shop.metric('inventory', 'process_resident_memory_bytes')) > rss + 96 * 2 ** 20, 'resident memory to grow by 96 MiB', 10_000);
    assert.ok((await shop.metric('inventory', 'process_heap_bytes')) > MEMORY_LIMIT_BYTES / 4);
    await eventually(async () => (await shop.health('inventory')).status === 503, 'inventory to report memory pressure', 15_000);
    assert.match((await shop.health('inventory')).reason ?? '', /^memory pressure/);
    assert.equal((await shop.logged('inventory', 'memory pressure: resident memory above limit', 1)).length, 1);
    await shop.ctl('heal', 'inventory');
    assert.equal((await shop.health('inventory')).status, 200);
    const healed = await shop.metric('inventory', 'process_resident_memory_bytes');
    await sleep(600);
    assert.ok((await shop.metric('inventory', 'process_resident_memory_bytes')) < healed + 16 * 2 ** 20, 'no longer growing');
    await untouched();
  });

  it('pool in db: every connection taken, queries time out, orders and gateway fail', async () => {
    const untouched = quiet(['payments', 'inventory']);
    assert.match((await shop.ctl('fail', 'pool')).stdout, /db: pool injected/); // db by default
    assert.equal(await shop.metric('db', 'db_pool_connections_in_use'), await shop.metric('db', 'db_pool_connections_max'));
    assert.match((await shop.health('db')).reason ?? '', /^connection pool exhausted/);
    assert.deepEqual(await shop.checkouts(2, 2), [502, 502]);
    assert.equal(await shop.metric('db', 'http_requests_total', { route: '/query', code: '503' }), 2);
    assert.equal((await shop.logged('db', 'connection pool exhausted', 2)).length, 2);
    assert.equal(await shop.metric('orders', 'http_client_requests_total', { target: 'db', code: '503' }), 2);
    assert.equal((await shop.logged('orders', 'call to db failed', 2)).length, 2);
    assert.equal(await shop.metric('gateway', 'http_requests_total', { route: '/api/checkout', code: '502' }), 2);
    await untouched(); // orders never got as far as inventory and payments
    await shop.ctl('heal', 'db');
    assert.equal(await shop.metric('db', 'db_pool_connections_in_use'), 0);
    assert.equal((await shop.health('db')).status, 200);
    assert.deepEqual(await shop.checkouts(2), [200, 200]);
  });

  it('pool in orders: its db client pool is exhausted, the db itself is fine', async () => {
    const untouched = quiet(['payments', 'inventory', 'db']);
    const queries = await shop.metric('db', 'http_requests_total', { route: '/query' });
    assert.equal((await shop.ctl('fault', 'orders', 'pool')).code, 0);
    assert.equal(await shop.metric('orders', 'db_pool_connections_in_use'), 4);
    assert.equal(await shop.metric('orders', 'db_pool_connections_max'), 4);
    assert.match((await shop.health('orders')).reason ?? '', /^db connection pool exhausted/);
    assert.deepEqual(await shop.checkouts(1), [502]);
    assert.equal((await shop.logged('orders', 'db connection pool exhausted', 1)).length, 1);
    assert.equal(await shop.metric('db', 'db_pool_connections_in_use'), 0);
    assert.equal(await shop.metric('db', 'http_requests_total', { route: '/query' }), queries, 'no query reached the db');
    await untouched();
    await shop.ctl('heal', 'orders');
    assert.equal((await shop.health('orders')).status, 200);
    assert.deepEqual(await shop.checkouts(1), [200]);
  });

  it('dependency: orders cannot reach payments; payments itself sees nothing', async () => {
    const untouched = quiet(['payments', 'inventory', 'db']);
    const charges = await shop.metric('payments', 'http_requests_total', { route: '/charge' });
    const run = await shop.ctl('fail', 'dependency'); // orders by default, payments its default callee
    assert.match(run.stdout, /orders: dependency injected \(payments unreachable\)/);
    assert.deepEqual(await shop.checkouts(2), [502, 502]);
    assert.equal(await shop.metric('orders', 'http_client_requests_total', { target: 'payments', code: 'error' }), 2);
    assert.equal((await shop.logged('orders', 'call to payments failed: no answer', 2)).length, 2);
    assert.deepEqual(await shop.health('orders'), { status: 503, reason: 'dependency payments unreachable' });
    assert.equal(await shop.metric('payments', 'http_requests_total', { route: '/charge' }), charges);
    await untouched();
    await shop.ctl('heal', 'orders');
    assert.deepEqual(await shop.checkouts(1), [200]);
    assert.equal((await shop.health('orders')).status, 200);
  });

  it('dependency with --target: gateway cut off from orders', async () => {
    assert.match((await shop.ctl('fault', 'gateway', 'dependency', '--target', 'orders', '--for', '2s')).stdout, /gateway: dependency injected \(orders unreachable\), for 2s/);
    assert.deepEqual(await shop.checkouts(1), [503]);
    assert.equal(await shop.metric('gateway', 'http_client_requests_total', { target: 'orders', code: 'error' }), 1);
    await eventually(async () => (await shop.checkouts(1))[0] === 200, 'the fault to expire', 5_000);
  });
});
