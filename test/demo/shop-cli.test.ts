// `vigil-demo` for the shop: bad input gets one clear line, a usage exit code, and
// changes nothing; the whole shop or one service starts, stops and reports; two
// shops with their own directories and ports never touch each other's processes;
// the load generator keeps traffic flowing on its own.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRunning, readPid } from '../../demo/process';
import { SERVICES } from '../../demo/shop/topology';
import { eventually } from '../helpers/eventually';
import { startTestShop, type TestShop } from '../helpers/shop';

describe('vigil-demo for the shop', { timeout: 90_000 }, () => {
  let stopped: TestShop;
  let a: TestShop;
  let b: TestShop;
  before(async () => {
    [stopped, a, b] = await Promise.all([startTestShop({ start: false }), startTestShop({ rps: 20 }), startTestShop()]);
  });
  after(async () => {
    await Promise.all([stopped, a, b].map((shop) => shop?.close()));
  });

  const usage: [string[], RegExp][] = [
    [['fault', 'nosuch', 'latency'], /unknown service: nosuch \(gateway, orders, payments, inventory, db\)/],
    [['fault', 'payments', 'nosuch'], /unknown fault kind: nosuch \(latency, errors, crash, crashloop, cpu, memory, pool, dependency, config, logs\)/],
    [['fault', 'payments'], /fault needs a kind/],
    [['fault', 'payments', 'latency', '--for=-5s'], /not a duration: -5s|must be positive/],
    [['fault', 'payments', 'latency', '--for', '-5s'], /argument is ambiguous/],
    [['fault', 'payments', 'latency', '--for', 'soon'], /not a duration: soon/],
    [['fault', 'payments', 'latency', '--for', '0s'], /must be positive: 0s/],
    [['fault', 'db', 'dependency'], /cannot inject dependency into db: db calls no other service/],
    [['fault', 'orders', 'dependency', '--target', 'gateway'], /orders does not call gateway/],
    [['fault', 'payments', 'latency', '--target', 'db'], /--target applies to the dependency fault only/],
    [['fault', 'orders', 'config'], /only payments reads a live setting/],
    [['fault', 'payments', 'pool'], /only db and orders have a connection pool/],
    [['fail', 'hang'], /unknown fault kind: hang/],
    [['fail'], /fail needs a kind/],
    [['start', 'nosuch'], /unknown service: nosuch/],
    [['heal', 'nosuch'], /unknown service: nosuch/],
    [['frobnicate'], /unknown command: frobnicate/],
    [['status', 'payments', 'extra'], /unexpected argument: extra/],
    [['status', '--ports', '1,2'], /--ports needs 5 ports/],
    [['status', '--ports', 'payments=99999'], /not a port: 99999/],
    [['status', '--rps', 'lots'], /not a rate/],
  ];
  it('bad input: exit 2, one clear line, nothing changed', async () => {
    const runs = await Promise.all(usage.map(([args]) => a.ctl(...args)));
    usage.forEach(([args, message], i) => {
      const run = runs[i];
      const what = `vigil-demo ${args.join(' ')}: ${run.stdout}${run.stderr}`;
      assert.equal(run.code, 2, what);
      assert.match(run.stderr, message, what);
      assert.equal(run.stderr.trim().split('\n').length, 1, what);
      assert.equal(run.stdout, '', what);
    });
    assert.ok(!existsSync(join(a.dir, 'faults')), 'no fault written');
  });

  it('a fault on a stopped shop: exit 1, nothing written', async () => {
    for (const args of [
      ['fault', 'payments', 'latency'],
      ['fail', 'config'],
      ['fail', 'crash', 'payments'],
    ]) {
      const run = await stopped.ctl(...args);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.match(run.stderr, /payments is not running in .* \(start the shop: vigil-demo start\)/);
    }
    assert.ok(!existsSync(stopped.dir) || readdirSync(stopped.dir).length === 0, `nothing in ${stopped.dir}`);
    const status = await stopped.ctl('status');
    assert.equal(status.code, 1);
    assert.equal(status.stdout.trim().split('\n').length, SERVICES.length);
    assert.match(status.stdout, /payments: unhealthy \(not running\)/);
    assert.match((await stopped.ctl('stop')).stdout, /shop not running/);
    assert.match((await stopped.ctl('heal')).stdout, /the shop had no fault/);
  });

  it('status of a running shop: one healthy line per service, exit 0', async () => {
    const run = await b.ctl('status');
    assert.equal(run.code, 0, run.stdout);
    for (const service of SERVICES) assert.match(run.stdout, new RegExp(`${service}: healthy \\(pid \\d+, http://127.0.0.1:${b.ports[service]}/healthz HTTP 200\\)`));
  });

  it('the load generator sends checkouts on its own', async () => {
    assert.ok(isRunning(readPid(join(a.dir, 'loadgen.pid')) ?? 0), 'loadgen runs');
    assert.ok(!existsSync(join(b.dir, 'loadgen.pid')), 'no loadgen at 0 rps');
    const first = await a.metric('gateway', 'http_requests_total', { route: '/api/checkout', code: '200' });
    await eventually(async () => (await a.metric('gateway', 'http_requests_total', { route: '/api/checkout', code: '200' })) >= first + 10, 'ten more checkouts', 5_000);
    assert.ok((await a.metric('payments', 'http_requests_total', { route: '/charge', code: '200' })) > 0);
  });

  it('two shops never touch each other: stopping one service or a whole shop leaves the other running', async () => {
    const pidsOf = (shop: TestShop) => SERVICES.map((service) => readPid(join(shop.dir, `${service}.pid`)) ?? 0);
    const aPids = pidsOf(a);
    const bPids = pidsOf(b);
    assert.match((await b.ctl('stop', 'payments')).stdout, /payments stopped/);
    assert.ok(!isRunning(bPids[SERVICES.indexOf('payments')]));
    assert.ok(aPids.every(isRunning), 'shop a untouched');
    assert.equal((await a.ctl('status')).code, 0);
    const stop = await b.ctl('stop');
    assert.match(stop.stdout, /shop stopped/);
    assert.ok(bPids.every((pid) => !isRunning(pid)));
    assert.ok(aPids.every(isRunning), 'shop a untouched');
    assert.match((await b.ctl('start')).stdout, /shop started at/);
    const restart = await a.ctl('restart');
    assert.match(restart.stdout, /shop restarted \(gateway \d+ → \d+/);
    assert.ok(aPids.every((pid) => !isRunning(pid)));
    assert.ok(pidsOf(b).every(isRunning), 'shop b untouched');
  });
});
