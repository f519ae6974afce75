import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { buildOpsApp } from '../../api/ops';
import { Readiness } from '../../api/readiness';
import { createPool } from '../../lib/adapters/db/pool';
import { createLogger } from '../../lib/adapters/log';
import { createMetrics, type Metrics } from '../../lib/adapters/metrics';
import { startEmbeddedPostgres, type RunningPostgres } from '../../lib/adapters/postgres/embedded';
import { bearer, buildTestApi, type TestApi } from '../helpers/api';
import { createTestDatabase, testEnvironment, uniqueName, type TestDatabase } from '../helpers/harness';
import { freePort } from '../helpers/ports';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (comments skipped). */
function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    assert.ok(match, `not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value;
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The samples named `name` whose labels include all of `labels`. */
function find(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
}

async function scrape(ops: FastifyInstance): Promise<Sample[]> {
  const response = await ops.inject({ method: 'GET', url: '/metrics' });
  assert.equal(response.statusCode, 200);
  return parseSamples(response.body);
}

/** vigil_dependency_errors_total for one dependency; 0 while the counter has no such series. */
async function dependencyErrors(ops: FastifyInstance, dependency: 'temporal' | 'postgres'): Promise<number> {
  const [sample] = find(await scrape(ops), 'vigil_dependency_errors_total', { dependency });
  return sample?.value ?? 0;
}

const ready = (ops: FastifyInstance) => ops.inject({ method: 'GET', url: '/-/ready' });

describe('ops listener: metrics, liveness and readiness', () => {
  const log = createLogger('silent');
  const env = testEnvironment();
  // Our own PostgreSQL, so that stopping it does not disturb the other test files.
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ops-test-'));
  let port: number;
  let postgres: RunningPostgres | undefined;
  let pool: pg.Pool;
  const connections: Connection[] = [];
  const apps: FastifyInstance[] = [];

  const lazyConnection = (address: string) => {
    const connection = Connection.lazy({ address });
    connections.push(connection);
    return connection;
  };

  /** An ops app over its own metrics and readiness. */
  async function buildOps(options: { connection?: Connection; metrics?: Metrics; timeoutMs?: number } = {}) {
    const metrics = options.metrics ?? createMetrics();
    const readiness = new Readiness({
      pool,
      connection: options.connection ?? lazyConnection(env.temporalAddress),
      metrics,
      timeoutMs: options.timeoutMs ?? 1_000,
    });
    const app = await buildOpsApp({ metrics, readiness, log });
    apps.push(app);
    return { app, readiness, metrics };
  }

  before(async () => {
    chmodSync(dir, 0o755); // as root, PostgreSQL runs as the `postgres` user
    port = await freePort();
    postgres = await startEmbeddedPostgres({ dir, port });
    pool = createPool({ url: postgres.url, schema: 'public', max: 2, connectTimeoutMs: 1_000 });
  });
  after(async () => {
    for (const app of apps) await app.close();
    await pool?.end();
    for (const connection of connections) await connection.close();
    await postgres?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is ready when Temporal and PostgreSQL both answer', async () => {
    const { app } = await buildOps();
    const response = await ready(app);
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), { ready: true, draining: false, checks: { temporal: true, postgres: true } });
    assert.equal(await dependencyErrors(app, 'temporal'), 0);
    assert.equal(await dependencyErrors(app, 'postgres'), 0);
  });

  it('is not ready while PostgreSQL is stopped, and ready again once it is back', async () => {
    const { app } = await buildOps();
    assert.equal((await ready(app)).statusCode, 200); // the pool holds a live connection now
    const errorsBefore = await dependencyErrors(app, 'postgres');

    await postgres!.stop();
    postgres = undefined;
    try {
      const down = await ready(app);
      assert.equal(down.statusCode, 503, down.body);
      assert.deepEqual(down.json(), { ready: false, draining: false, checks: { temporal: true, postgres: false } });
      assert.equal(await dependencyErrors(app, 'postgres'), errorsBefore + 1);
      assert.equal(await dependencyErrors(app, 'temporal'), 0);
    } finally {
      // Back up even if an assertion failed, so the other tests are not hit as well.
      postgres = await startEmbeddedPostgres({ dir, port });
    }
    const up = await ready(app);
    assert.equal(up.statusCode, 200, up.body);
    assert.deepEqual(up.json(), { ready: true, draining: false, checks: { temporal: true, postgres: true } });
    assert.equal(await dependencyErrors(app, 'postgres'), errorsBefore + 1);
  });

  it('is not ready when Temporal cannot be reached, and counts the failure', async () => {
    const unreachable = lazyConnection(`127.0.0.1:${await freePort()}`);
    const { app } = await buildOps({ connection: unreachable, timeoutMs: 500 });
    assert.equal(await dependencyErrors(app, 'temporal'), 0);

    const response = await ready(app);
    assert.equal(response.statusCode, 503, response.body);
    assert.deepEqual(response.json(), { ready: false, draining: false, checks: { temporal: false, postgres: true } });
    assert.equal(await dependencyErrors(app, 'temporal'), 1);

    await ready(app);
    assert.equal(await dependencyErrors(app, 'temporal'), 2);
    assert.equal(await dependencyErrors(app, 'postgres'), 0);
  });

  it('is not ready while draining even though both dependencies answer; liveness stays up', async () => {
    const { app, readiness } = await buildOps();
    assert.equal((await ready(app)).statusCode, 200);

    readiness.startDraining();
    const response = await ready(app);
    assert.equal(response.statusCode, 503, response.body);
    assert.deepEqual(response.json(), { ready: false, draining: true, checks: { temporal: true, postgres: true } });

    const healthy = await app.inject({ method: 'GET', url: '/-/healthy' });
    assert.equal(healthy.statusCode, 200);
    assert.deepEqual(healthy.json(), { healthy: true });
  });

  it('is not ready while a condition of the command does not hold (a worker stopped), and says which', async () => {
    const { app, readiness } = await buildOps();
    let workersRunning = true;
    readiness.require('workers', () => workersRunning);
    const up = await ready(app);
    assert.equal(up.statusCode, 200, up.body);
    assert.deepEqual(up.json(), { ready: true, draining: false, checks: { temporal: true, postgres: true, workers: true } });

    workersRunning = false;
    const down = await ready(app);
    assert.equal(down.statusCode, 503, down.body);
    assert.deepEqual(down.json(), { ready: false, draining: false, checks: { temporal: true, postgres: true, workers: false } });
  });

  describe('/metrics with the real API app', () => {
    let db: TestDatabase;
    let api: TestApi;

    before(async () => {
      db = await createTestDatabase('ops');
      api = await buildTestApi({ db, taskQueuePrefix: uniqueName('ops') });
    });
    after(async () => {
      await api?.close();
      await db?.close();
    });

    it('serves Prometheus text with the default process metrics under the vigil_ prefix', async () => {
      const { app } = await buildOps({ metrics: api.deps.metrics });
      const response = await app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['content-type'], api.deps.metrics.registry.contentType);
      assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      assert.match(response.body, /^# TYPE vigil_process_cpu_seconds_total counter$/m);
      const samples = parseSamples(response.body);
      assert.equal(find(samples, 'vigil_process_cpu_seconds_total').length, 1);
      assert.ok(find(samples, 'vigil_nodejs_heap_size_used_bytes').length === 1, 'expected vigil_nodejs_heap_size_used_bytes');
      assert.equal(find(samples, 'process_cpu_seconds_total').length, 0, 'default metrics must carry the vigil_ prefix');
    });

    it('times API requests by route template and status, never by raw URL', async () => {
      const { app } = await buildOps({ metrics: api.deps.metrics });
      const count = (samples: Sample[], labels: Record<string, string>) => find(samples, 'vigil_http_request_duration_seconds_count', labels).reduce((sum, sample) => sum + sample.value, 0);
      const status = { method: 'GET', route: '/api/v1/status', status: '200' };
      const unmatched = { method: 'GET', route: 'unmatched', status: '404' };
      const earlier = count(await scrape(app), status);
      const earlierUnmatched = count(await scrape(app), unmatched);

      const ok = await api.app.inject({ method: 'GET', url: '/api/v1/status?verbose=1', headers: bearer('read') });
      assert.equal(ok.statusCode, 200, ok.body);
      const unknownUrl = `/api/v1/no-such-thing/${uniqueName('id')}`;
      const missing = await api.app.inject({ method: 'GET', url: unknownUrl, headers: bearer('read') });
      assert.equal(missing.statusCode, 404, missing.body);

      const samples = await scrape(app);
      assert.equal(count(samples, status), earlier + 1);
      const bucket = find(samples, 'vigil_http_request_duration_seconds_bucket', { ...status, le: '+Inf' });
      assert.equal(bucket.length, 1);
      assert.equal(bucket[0].value, earlier + 1);

      // The 404 is timed too, but under one fixed label instead of the URL it was asked for.
      assert.equal(count(samples, unmatched), earlierUnmatched + 1);
      const raw = find(samples, 'vigil_http_request_duration_seconds_count').filter((sample) => sample.labels.route.includes('no-such-thing'));
      assert.deepEqual(raw, [], 'the unknown URL must not become a route label');
    });
  });
});
