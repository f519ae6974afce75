// `vigil up` as a user runs it: a child process that starts the Temporal dev
// server and PostgreSQL, prints its URLs, serves the API, stops cleanly on a
// signal, and resumes from its data on the next start.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { testEnvironment } from '../helpers/harness';
import { freeVigilPorts, parseBanner, processesMentioning, runOperator, runVigil, upEnv, waitForBanner, type VigilPorts } from '../helpers/vigil-process';

describe('vigil up (child process)', () => {
  let dataDir: string;
  let ports: VigilPorts;
  let env: NodeJS.ProcessEnv;
  let selfCheckId = '';

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-up-'));
    chmodSync(dataDir, 0o755);
    ports = await freeVigilPorts();
    env = upEnv(dataDir, ports, testEnvironment().temporalCli);
  });
  after(() => {
    for (const pid of processesMentioning(dataDir)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints its URLs and token, serves the API, runs a workflow, and exits 0 on SIGTERM leaving no process behind', async () => {
    const run = runVigil(['up'], env);
    const banner = await waitForBanner(run);
    assert.equal(banner.API, `http://127.0.0.1:${ports.api}/api/v1`);
    assert.equal(banner.Dashboard, `http://127.0.0.1:${ports.api}/`);
    assert.equal(banner['Temporal UI'], `http://127.0.0.1:${ports.temporalUi}`);
    assert.equal(banner.Data, dataDir);
    const token = banner['Admin token'].split(/\s+/)[0];
    assert.equal(readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(), token);
    assert.equal(statSync(join(dataDir, 'admin-token')).mode & 0o777, 0o600);

    const status = await fetch(`${banner.API}/status`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(status.status, 200);
    assert.equal(((await status.json()) as { you: { role: string } }).you.role, 'admin');
    assert.equal((await fetch(`${banner.API}/status`)).status, 401);
    assert.match(await (await fetch(banner.Dashboard)).text(), /<title>Vigil<\/title>/);
    assert.equal((await fetch(banner['Temporal UI'])).status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${ports.ops}/-/ready`)).status, 200);

    const selfCheck = await fetch(`${banner.API}/selfcheck`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'first run' }),
    });
    assert.equal(selfCheck.status, 200);
    selfCheckId = ((await selfCheck.json()) as { workflowId: string }).workflowId;

    // An operator command with nothing but where to look finds this API (not vigil.yaml's port 8080) and its token.
    const lookOnly = { VIGIL_DATA_DIR: dataDir, VIGIL_CONFIG_DIR: env.VIGIL_CONFIG_DIR };
    const listed = await runOperator(['service', 'list', '--json'], { apiUrl: '', token: '' }, { ...lookOnly, VIGIL_API_URL: undefined, VIGIL_TOKEN: undefined });
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout), []);
    assert.equal(JSON.parse(readFileSync(join(dataDir, 'run', 'api.json'), 'utf8')).url, `http://127.0.0.1:${ports.api}`);

    const children = processesMentioning(dataDir);
    assert.ok(children.length >= 2, `expected Temporal and PostgreSQL to run, saw ${children.length} processes`);
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0, `stdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`);
    assert.equal(existsSync(join(dataDir, 'run', 'api.json')), false, 'the announcement goes with it');
    assert.deepEqual(processesMentioning(dataDir), [], 'no Temporal or PostgreSQL process left');
    assert.equal(existsSync(join(dataDir, 'run', 'vigil.pid')), false, 'the data directory is free again');
  });

  it('resumes from the data of the previous run (workflow history and database rows), and a second vigil up on it refuses', async () => {
    assert.ok(selfCheckId, 'the first test ran a self check');
    const run = runVigil(['up'], env);
    try {
      await waitForBanner(run);
      const connection = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
      try {
        const description = await new Client({ connection }).workflow.getHandle(selfCheckId).describe();
        assert.equal(description.status.name, 'COMPLETED');
      } finally {
        await connection.close();
      }
      // A second `vigil up` on the same data leaves the first one's Temporal and PostgreSQL alone.
      const children = processesMentioning(dataDir).sort();
      const second = runVigil(['up'], env);
      assert.equal(await second.exited, 3, second.stderr());
      assert.match(second.stderr(), new RegExp(`another vigil up \\(pid ${run.child.pid}\\) is running on ${dataDir}; stop it first`));
      assert.deepEqual(processesMentioning(dataDir).sort(), children);
      const password = readFileSync(join(dataDir, 'pg-password'), 'utf8').trim();
      const client = new pg.Client({ host: '127.0.0.1', port: ports.postgres, user: 'postgres', password, database: 'postgres' });
      await client.connect();
      try {
        const { rows } = await client.query('SELECT note FROM vigil.self_checks WHERE workflow_id = $1', [selfCheckId]);
        assert.deepEqual(rows, [{ note: 'first run' }]);
      } finally {
        await client.end();
      }
    } finally {
      run.child.kill('SIGINT');
    }
    assert.equal(await run.exited, 0, run.stderr());
    assert.deepEqual(processesMentioning(dataDir), []);
  });
});

describe('vigil up when one of its children dies', () => {
  let dataDir: string;

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-up-child-'));
    chmodSync(dataDir, 0o755);
  });
  after(() => {
    for (const pid of processesMentioning(dataDir)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  // The timeout: without the watch on its children, vigil up would run on and this test never end.
  it('stops everything and exits 1 naming it, when PostgreSQL is killed under it', { timeout: 180_000 }, async () => {
    const ports = await freeVigilPorts();
    const run = runVigil(['up'], upEnv(dataDir, ports, testEnvironment().temporalCli));
    await waitForBanner(run);
    const postgresPid = Number.parseInt(readFileSync(join(dataDir, 'run', 'postgres.pid'), 'utf8'), 10);
    process.kill(postgresPid, 'SIGKILL');
    assert.equal(await run.exited, 1, run.stdout());
    assert.match(run.stdout(), new RegExp(`PostgreSQL exited on its own \\(SIGKILL\\); stopping everything\\. Its log: ${dataDir}/logs/postgres\\.log`));
    assert.deepEqual(processesMentioning(dataDir), [], 'the Temporal dev server stopped too');
    assert.equal(existsSync(join(dataDir, 'run', 'vigil.pid')), false);
  });
});

describe('vigil up refuses to start, with a clear reason', () => {
  let dataDir: string;
  let blocker: Server | undefined;

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-up-refuse-'));
    chmodSync(dataDir, 0o755);
  });
  after(() => {
    blocker?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('names a taken port and the setting that moves it, exits 3 and starts nothing', async () => {
    const ports = await freeVigilPorts();
    blocker = createServer();
    await new Promise<void>((resolveListen) => blocker!.listen(ports.api, '127.0.0.1', resolveListen));
    const run = runVigil(['up'], upEnv(dataDir, ports, testEnvironment().temporalCli));
    assert.equal(await run.exited, 3);
    assert.match(run.stderr(), new RegExp(`port ${ports.api} \\(server\\.port\\) on 127\\.0\\.0\\.1 is already in use; choose another with VIGIL_SERVER__PORT=`));
    assert.doesNotMatch(run.stdout(), /Vigil is up/);
    assert.deepEqual(processesMentioning(dataDir), []);
  });

  it('exits 2 with file, path and problem for an invalid setting', async () => {
    const ports = await freeVigilPorts();
    const run = runVigil(['up'], upEnv(dataDir, ports, testEnvironment().temporalCli, { VIGIL_SERVER__PORT: '80a' }));
    assert.equal(await run.exited, 2);
    assert.equal(run.stderr().trim(), 'vigil: env VIGIL_SERVER__PORT: server.port: must be an integer between 1 and 65535, got "80a"');
  });

  it('parses the banner the way a user reads it', () => {
    assert.deepEqual(parseBanner('noise\nVigil is up.\n  API          http://x/api/v1\n  Temporal UI  http://y\n'), { API: 'http://x/api/v1', 'Temporal UI': 'http://y' });
  });
});
