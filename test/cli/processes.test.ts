// The processes a deployment runs separately: `vigil migrate`, `vigil worker`,
// `vigil api`, `vigil config check`, and `vigil up` against servers it did not
// start (TEMPORAL_ADDRESS / DATABASE_URL), each as a real child process.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dropSchema, testEnvironment, uniqueName } from '../helpers/harness';
import { freePort } from '../helpers/ports';
import { freeVigilPorts, processesMentioning, runVigil, upEnv, waitForBanner } from '../helpers/vigil-process';

const ADMIN = 'separate-processes-admin-token';

describe('vigil worker, api and migrate against external Temporal and PostgreSQL', () => {
  const schema = uniqueName('procs');
  const prefix = uniqueName('procs');
  let env: NodeJS.ProcessEnv;

  before(() => {
    const { temporalAddress, databaseUrl } = testEnvironment();
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VIGIL_')));
    env = {
      ...inherited,
      TEMPORAL_ADDRESS: temporalAddress,
      DATABASE_URL: databaseUrl,
      VIGIL_DATABASE__SCHEMA: schema,
      VIGIL_TEMPORAL__TASK_QUEUE_PREFIX: prefix,
      VIGIL_LOG__LEVEL: 'warn',
      VIGIL_ADMIN_TOKEN: ADMIN,
    };
  });
  after(async () => {
    await dropSchema(schema);
  });

  it('migrate applies the migrations once and then says the database is up to date', async () => {
    const first = runVigil(['migrate'], env);
    assert.equal(await first.exited, 0, first.stderr());
    assert.match(first.stdout(), /^applied: 001_self_checks/);
    const second = runVigil(['migrate'], env);
    assert.equal(await second.exited, 0, second.stderr());
    assert.equal(second.stdout(), 'database is up to date\n');
  });

  it('a separate worker and API run a workflow together and both exit 0 on SIGTERM', async () => {
    const [apiPort, opsPort, workerOpsPort] = [await freePort(), await freePort(), await freePort()];
    const processEnv = { ...env, VIGIL_SERVER__PORT: String(apiPort), VIGIL_SERVER__OPS__PORT: String(opsPort) };
    const worker = runVigil(['worker'], { ...processEnv, VIGIL_SERVER__OPS__PORT: String(workerOpsPort) });
    const api = runVigil(['api'], processEnv);
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${opsPort}/-/ready`).catch(() => undefined))?.status === 200);
      await waitFor(async () => (await fetch(`http://127.0.0.1:${workerOpsPort}/-/ready`).catch(() => undefined))?.status === 200);
      assert.match(await (await fetch(`http://127.0.0.1:${workerOpsPort}/metrics`)).text(), /vigil_process_cpu_seconds_total/, 'the worker serves its own metrics');
      const response = await fetch(`http://127.0.0.1:${apiPort}/api/v1/selfcheck`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: '{"note":"split processes"}',
      });
      assert.equal(response.status, 200, await response.clone().text());
      const body = (await response.json()) as { worker: string };
      assert.match(body.worker, new RegExp(`^vigil-worker@.+:${worker.child.pid}$`), 'the separate worker process ran it');
    } finally {
      worker.child.kill('SIGTERM');
      api.child.kill('SIGTERM');
    }
    assert.equal(await worker.exited, 0, worker.stderr());
    assert.equal(await api.exited, 0, api.stderr());
  });

  it('worker and api refuse to start without TEMPORAL_ADDRESS and DATABASE_URL, naming both (exit 2)', async () => {
    const bare = { ...env, TEMPORAL_ADDRESS: '', DATABASE_URL: '' };
    for (const command of ['worker', 'api']) {
      const run = runVigil([command], bare);
      assert.equal(await run.exited, 2);
      assert.match(run.stderr(), /temporal\.address: is required \(set TEMPORAL_ADDRESS\)/);
      assert.match(run.stderr(), /database\.url: is required \(set DATABASE_URL\)/);
    }
  });
});

describe('vigil up against servers it did not start', () => {
  let dataDir: string;

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-up-external-'));
    chmodSync(dataDir, 0o755);
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts no Temporal or PostgreSQL of its own, and uses VIGIL_ADMIN_TOKEN', async () => {
    const { temporalAddress, databaseUrl, temporalCli } = testEnvironment();
    const env = upEnv(dataDir, await freeVigilPorts(), temporalCli, {
      TEMPORAL_ADDRESS: temporalAddress,
      DATABASE_URL: databaseUrl,
      VIGIL_DATABASE__SCHEMA: uniqueName('upext'),
      VIGIL_TEMPORAL__TASK_QUEUE_PREFIX: uniqueName('upext'),
      VIGIL_ADMIN_TOKEN: ADMIN,
    });
    const run = runVigil(['up'], env);
    try {
      const banner = await waitForBanner(run);
      assert.equal(banner['Admin token'], '(from VIGIL_ADMIN_TOKEN)');
      assert.match(banner.Temporal, new RegExp(`^${temporalAddress} \\(namespace default\\)$`));
      assert.doesNotMatch(banner.PostgreSQL, /embedded/);
      assert.deepEqual(processesMentioning(dataDir), [], 'no server of its own');
      const response = await fetch(`${banner.API}/selfcheck`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(response.status, 200);
    } finally {
      run.child.kill('SIGTERM');
    }
    assert.equal(await run.exited, 0, run.stderr());
  });
});

describe('vigil config check', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-config-check-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 and summarises a valid directory', async () => {
    mkdirSync(join(dir, 'ok', 'services'), { recursive: true });
    writeFileSync(join(dir, 'ok', 'vigil.yaml'), 'server:\n  port: 9000\n');
    writeFileSync(join(dir, 'ok', 'services', 'web.yaml'), 'services:\n  - name: web\n');
    const run = runVigil(['config', 'check', join(dir, 'ok')], { ...process.env, VIGIL_CONFIG_DIR: '' });
    assert.equal(await run.exited, 0, run.stderr());
    assert.match(run.stdout(), /OK \(vigil\.yaml, 1 services, 0 apps, 0 policies\)/);
  });

  it('exits 2 and prints file, path and problem for each error', async () => {
    mkdirSync(join(dir, 'bad'), { recursive: true });
    writeFileSync(join(dir, 'bad', 'vigil.yaml'), 'server:\n  prot: 9000\n');
    const run = runVigil(['config', 'check', join(dir, 'bad')], process.env);
    assert.equal(await run.exited, 2);
    assert.match(run.stderr(), /vigil\.yaml: server\.prot: unknown key "prot"; did you mean "port"\?/);
  });

  it('exits 2 for a rejected definition while naming it', async () => {
    mkdirSync(join(dir, 'defs'), { recursive: true });
    writeFileSync(join(dir, 'defs', 'services.yaml'), 'services:\n  - name: Not Valid\n');
    const run = runVigil(['config', 'check', join(dir, 'defs')], process.env);
    assert.equal(await run.exited, 2);
    assert.match(run.stderr(), /services\.yaml: services\[0\]\.name: must be a name of lowercase letters/);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
  }
}
