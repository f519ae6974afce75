// Faults in payments, injected into a running shop through the real `vigil-demo`
// command: each leaves its signature where a real one would (metrics, log lines,
// health, the settings file) and nothing in the services it does not reach; a fault
// in payments shows up in orders and gateway too, because they really call it.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readSource } from '../../activities/drift-sources';
import { providerFor } from '../../activities/drift-providers';
import { loadConfig } from '../../lib/adapters/config/load';
import type { AppDefinitionSpec } from '../../lib/core/config/apps';
import { compareDocuments } from '../../lib/core/drift/compare';
import { driftSpec } from '../../lib/core/drift/spec';
import { isRunning, readPid } from '../../demo/process';
import type { ServiceName } from '../../demo/shop/topology';
import { eventually } from '../helpers/eventually';
import { startTestShop, type TestShop } from '../helpers/shop';

const ROOT = resolve(__dirname, '..', '..');
let shop: TestShop;

/** Error log lines and 5xx answers per service: what a fault must not add where it does not reach. */
async function marks(services: ServiceName[]): Promise<Record<string, { errors: number; fivexx: number }>> {
  const entries = await Promise.all(
    services.map(async (service) => {
      const fivexx = (await Promise.all(['500', '502', '503', '504'].map((code) => shop.metric(service, 'http_requests_total', { code })))).reduce((a, b) => a + b, 0);
      return [service, { errors: shop.logs(service).filter((line) => line.level === 'error').length, fivexx }] as const;
    }),
  );
  return Object.fromEntries(entries);
}

async function assertUntouched(before: Awaited<ReturnType<typeof marks>>): Promise<void> {
  const services = Object.keys(before) as ServiceName[];
  assert.deepEqual(await marks(services), before, 'no new error lines or 5xx answers');
  for (const service of services) assert.equal((await shop.health(service)).status, 200, `${service} healthy`);
}

const logged = (service: ServiceName, msg: string) => shop.logs(service).filter((line) => line.msg === msg);

/** The shipped drift app (configs/drift/shop-payments.yaml) comparing this shop's payments.json, as its loop does. */
async function paymentsDrift(): Promise<string[]> {
  const loaded = loadConfig({ dir: join(ROOT, 'configs'), env: { VIGIL_DATA_DIR: shop.root } });
  const app = loaded.definitions.apps.find((definition) => definition.name === 'shop-payments');
  assert.ok(app, 'configs/drift/shop-payments.yaml defines the app');
  const spec = driftSpec(app.spec as AppDefinitionSpec);
  const source = spec.source.type === 'directory' ? { ...spec.source, path: resolve(ROOT, spec.source.path) } : spec.source;
  const snapshot = await readSource(source, { cacheDir: join(shop.root, 'cache') });
  const provider = providerFor(spec.provider);
  const live = await Promise.all(snapshot.documents.map((document) => provider.read(document.target, document.state)));
  const comparison = compareDocuments(snapshot.documents, live, { ignore: spec.ignore, sensitive: spec.sensitive });
  assert.deepEqual(comparison.errors, []);
  return comparison.objects.flatMap((object) => object.changes.map((change) => `${object.target}${change.path}`));
}

describe('shop faults in payments', { timeout: 120_000 }, () => {
  before(async () => {
    shop = await startTestShop();
  });
  afterEach(async () => {
    // Whatever a test left broken, the next starts from a healthy shop.
    await shop.ctl('heal');
    await shop.ctl('start');
  });
  after(async () => {
    await shop?.close();
  });

  it('latency slows payments, and through it orders and gateway; heal takes it away', async () => {
    const untouched = await marks(['gateway', 'orders', 'inventory', 'db']);
    const charge = await shop.metric('payments', 'http_request_duration_seconds_sum', { route: '/charge' });
    const callee = await shop.metric('orders', 'http_client_request_duration_seconds_sum', { target: 'payments' });
    const checkout = await shop.metric('gateway', 'http_request_duration_seconds_sum', { route: '/api/checkout' });
    const run = await shop.ctl('fault', 'payments', 'latency');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /payments: latency injected, until healed/);
    assert.deepEqual(await shop.checkouts(2, 2), [200, 200]);
    assert.ok((await shop.metric('payments', 'http_request_duration_seconds_sum', { route: '/charge' })) - charge >= 2.9);
    assert.ok((await shop.metric('orders', 'http_client_request_duration_seconds_sum', { target: 'payments' })) - callee >= 2.9);
    assert.ok((await shop.metric('gateway', 'http_request_duration_seconds_sum', { route: '/api/checkout' })) - checkout >= 2.9);
    await assertUntouched(untouched); // slower, not failing
    assert.match((await shop.ctl('heal', 'payments')).stdout, /healed payments \(was latency\)/);
    const started = Date.now();
    assert.deepEqual(await shop.checkouts(1), [200]);
    assert.ok(Date.now() - started < 1_400, `a checkout after heal took ${Date.now() - started} ms`);
  });

  it('errors: a share of 5xx in payments becomes 5xx in orders and gateway (propagation)', async () => {
    const untouched = await marks(['inventory', 'db']);
    assert.equal((await shop.ctl('fault', 'payments', 'errors')).code, 0);
    const codes = await shop.checkouts(16);
    assert.ok(codes.includes(502) && codes.includes(200), codes.join(','));
    const failed = codes.filter((code) => code === 502).length;
    assert.equal(await shop.metric('payments', 'http_requests_total', { route: '/charge', code: '500' }), failed);
    assert.equal(await shop.metric('orders', 'http_client_requests_total', { target: 'payments', code: '500' }), failed);
    assert.equal(await shop.metric('orders', 'http_requests_total', { route: '/orders', code: '502' }), failed);
    assert.equal(await shop.metric('gateway', 'http_requests_total', { route: '/api/checkout', code: '502' }), failed);
    assert.equal((await shop.logged('payments', 'unhandled error while handling request', failed)).length, failed);
    assert.equal((await shop.logged('orders', 'call to payments failed', failed)).length, failed);
    assert.equal((await shop.health('payments')).status, 200, 'a share of errors is not a health failure');
    await assertUntouched(untouched);
    await shop.ctl('heal', 'payments');
    assert.deepEqual(await shop.checkouts(6), [200, 200, 200, 200, 200, 200]);
  });

  it('crash: payments exits with a fatal log line, orders finds it unreachable, restart brings it back', async () => {
    const untouched = await marks(['inventory', 'db']);
    const pid = readPid(join(shop.dir, 'payments.pid'));
    assert.ok(pid);
    const run = await shop.ctl('fault', 'payments', 'crash');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`pid ${pid} exited`));
    assert.ok(!isRunning(pid));
    assert.equal((await shop.logged('payments', 'fatal: uncaught exception, exiting', 1)).length, 1);
    assert.equal((await shop.ctl('status', 'payments')).code, 1);
    assert.deepEqual(await shop.checkouts(1), [502]);
    assert.deepEqual(await shop.health('orders'), { status: 503, reason: 'dependency payments unreachable' });
    assert.equal(await shop.metric('orders', 'http_client_requests_total', { target: 'payments', code: 'error' }), 1);
    await assertUntouched(untouched);
    assert.equal((await shop.ctl('restart', 'payments')).code, 0);
    assert.notEqual(readPid(join(shop.dir, 'payments.pid')), pid);
    assert.ok(!existsSync(join(shop.dir, 'faults', 'payments.json')), 'a crash is one crash');
    assert.deepEqual(await shop.checkouts(2), [200, 200]);
    assert.equal((await shop.health('orders')).status, 200);
  });

  it('crashloop: payments dies again seconds after each start until healed', async () => {
    assert.equal((await shop.ctl('fault', 'payments', 'crashloop')).code, 0);
    const gone = () => {
      const pid = readPid(join(shop.dir, 'payments.pid'));
      return eventually(async () => pid === undefined || !isRunning(pid), 'payments to exit', 8_000);
    };
    await gone();
    const restart = await shop.ctl('restart', 'payments');
    assert.equal(restart.code, 0, restart.stderr); // it starts, and answers, for a moment
    await gone();
    assert.equal((await shop.logged('payments', 'fatal: startup check failed, exiting', 2)).length, 2);
    assert.match((await shop.ctl('heal', 'payments')).stdout, /was crashloop/);
    assert.equal((await shop.ctl('restart', 'payments')).code, 0);
    await sleep(2_500);
    assert.equal((await shop.ctl('status', 'payments')).code, 0);
  });

  it('config: a bad timeout written to payments.json is read live, fails charges, and is drift for the shipped app', async () => {
    const untouched = await marks(['inventory', 'db']);
    const file = join(shop.dir, 'payments.json');
    const good = readFileSync(file, 'utf8');
    assert.deepEqual(await paymentsDrift(), []);
    assert.equal((await shop.ctl('fail', 'config')).code, 0); // payments by default
    assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { timeoutMs: number }).timeoutMs, 1);
    await eventually(async () => logged('payments', 'settings reloaded').some((line) => line.timeoutMs === 1), 'payments to reload its settings', 5_000);
    assert.deepEqual(await shop.checkouts(3), [502, 502, 502]);
    assert.equal(await shop.metric('payments', 'http_requests_total', { route: '/charge', code: '504' }), 3);
    assert.equal((await shop.logged('payments', 'card processor timeout', 3)).length, 3);
    assert.deepEqual(await paymentsDrift(), ['payments.json/timeoutMs']);
    await assertUntouched(untouched);
    assert.match((await shop.ctl('heal', 'payments')).stdout, /was config/);
    assert.equal(readFileSync(file, 'utf8'), good);
    assert.deepEqual(await paymentsDrift(), []);
    await eventually(async () => logged('payments', 'settings reloaded').at(-1)?.timeoutMs === 800, 'payments to reload the good settings', 5_000);
    assert.deepEqual(await shop.checkouts(2), [200, 200]);
  });

  it('logs: a burst of error lines in payments.log that ends on its own (--for), and nothing else', async () => {
    const untouched = await marks(['gateway', 'orders', 'payments', 'inventory', 'db']);
    const burst = () => logged('payments', 'upstream connection reset by peer').length;
    const run = await shop.ctl('fail', 'logs', '--for', '1s');
    assert.match(run.stdout, /payments: logs injected, for 1s/);
    await eventually(async () => !existsSync(join(shop.dir, 'faults', 'payments.json')), 'the fault to expire', 5_000);
    await sleep(300); // the last lines land
    const count = burst();
    assert.ok(count >= 20, `${count} lines`);
    await sleep(500);
    assert.equal(burst(), count, 'the burst ended');
    assert.deepEqual(await shop.checkouts(2), [200, 200]);
    const after = await marks(['gateway', 'orders', 'payments', 'inventory', 'db']);
    assert.deepEqual({ ...after, payments: { ...after.payments, errors: untouched.payments.errors } }, untouched, 'only payments.log changed');
  });
});
