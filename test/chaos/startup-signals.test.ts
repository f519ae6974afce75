// SIGTERM at each phase of `vigil up`'s start-up, as a Kubernetes rollout, a
// supervisor or a user's Ctrl-C sends it: to the whole process group, at any
// moment. It used to hit the Temporal runtime's own handler while Vigil's was not
// yet installed: the workers stopped, and the process stayed up for good with
// PostgreSQL and Temporal running and /-/ready saying {"ready":true}.
//
// After each signal: the process exits 0 within a bound, no child is left (the
// Temporal dev server, PostgreSQL, the demo: by process and by port), the data
// directory is free, and the next phase's `vigil up` starts cleanly on the same
// data directory. The last run goes all the way up: /-/ready turned 200 only after
// the definitions were applied, and a stop during a quiet watch takes seconds.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { testEnvironment } from '../helpers/harness';
import { freePort } from '../helpers/ports';
import { freeVigilPorts, processesMentioning, upEnv, type VigilPorts } from '../helpers/vigil-process';

const ROOT = resolve(__dirname, '..', '..');
/** From the signal to the exit: the stop of everything that can have started, with room for a loaded machine. */
const EXIT_WITHIN_MS = 60_000;

interface Up {
  pid: number;
  output(): string;
  /** The exit code, or the signal that ended it. */
  exited: Promise<number | NodeJS.Signals>;
}

/** `vigil up` in a process group of its own, as a shell runs a foreground job. */
function launch(env: NodeJS.ProcessEnv): Up {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'vigil.js'), 'up'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | NodeJS.Signals>((resolveExit) => child.once('exit', (code, signal) => resolveExit(code ?? signal!)));
  return { pid: child.pid!, output: () => output, exited };
}

async function until(what: string, up: Up, condition: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  let exited: number | NodeJS.Signals | undefined;
  void up.exited.then((code) => (exited = code));
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (exited !== undefined || Date.now() > deadline) assert.fail(`never saw ${what} (exit ${exited}):\n${up.output()}`);
    await sleep(20);
  }
}

const answers = (port: number) =>
  new Promise<boolean>((resolveProbe) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolveProbe(true)));
    socket.once('error', () => resolveProbe(false));
  });

const readyStatus = (port: number) =>
  fetch(`http://127.0.0.1:${port}/-/ready`, { signal: AbortSignal.timeout(2_000) }).then(
    (response) => response.status,
    () => 0,
  );

describe('SIGTERM at each phase of vigil up', { timeout: 280_000 }, () => {
  let dataDir: string;
  let ports: VigilPorts & Record<'gateway' | 'orders' | 'payments' | 'inventory' | 'db', number>;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-startup-signals-'));
    chmodSync(dataDir, 0o755);
    // The shipped settings and the demo shop's definitions, on ports of this test's own.
    const configDir = mkdtempSync(join(tmpdir(), 'vigil-startup-signals-configs-'));
    mkdirSync(join(configDir, 'services'));
    copyFileSync(join(ROOT, 'configs', 'vigil.yaml'), join(configDir, 'vigil.yaml'));
    copyFileSync(join(ROOT, 'configs', 'services', 'demo.yaml'), join(configDir, 'services', 'demo.yaml'));
    ports = { ...(await freeVigilPorts()), gateway: await freePort(), orders: await freePort(), payments: await freePort(), inventory: await freePort(), db: await freePort() };
    env = upEnv(dataDir, ports, testEnvironment().temporalCli, {
      VIGIL_CONFIG_DIR: configDir,
      VIGIL_DEMO__ENABLED: 'true',
      ...Object.fromEntries((['gateway', 'orders', 'payments', 'inventory', 'db'] as const).map((service) => [`VIGIL_DEMO__PORTS__${service.toUpperCase()}`, String(ports[service])])),
      // 'services applied' goes into the log file with its time.
      VIGIL_LOG__LEVEL: 'info',
    });
  });
  after(() => {
    for (const pid of processesMentioning(dataDir)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Sends SIGTERM to the group, then checks the exit and that nothing is left. */
  async function stopsCleanly(up: Up, accept: (number | NodeJS.Signals)[] = [0]): Promise<number> {
    const signalledAt = Date.now();
    process.kill(-up.pid, 'SIGTERM');
    const timer = sleep(EXIT_WITHIN_MS).then(() => 'still running' as const);
    const code = await Promise.race([up.exited, timer]);
    const stopMs = Date.now() - signalledAt;
    if (code === 'still running') {
      process.kill(-up.pid, 'SIGKILL');
      assert.fail(`vigil up still ran ${EXIT_WITHIN_MS / 1000} s after SIGTERM:\n${up.output()}`);
    }
    assert.ok(accept.includes(code), `exit ${code}, expected ${accept.join(' or ')}:\n${up.output()}`);
    assert.deepEqual(processesMentioning(dataDir), [], `no Temporal, PostgreSQL or demo process left:\n${up.output()}`);
    for (const [name, port] of Object.entries(ports)) assert.equal(await answers(port), false, `nothing listens on the ${name} port`);
    assert.equal(existsSync(join(dataDir, 'run', 'vigil.pid')), false, 'the data directory is free again');
    console.log(`  stopped in ${(stopMs / 1000).toFixed(1)} s (exit ${code})`);
    return stopMs;
  }

  it('at launch, before Vigil has loaded: ends, and nothing has started', async () => {
    const up = launch(env);
    // Killed by the signal or stopped with 0, depending on whether Vigil's code had started.
    await stopsCleanly(up, [0, 'SIGTERM']);
  });

  it('as soon as it holds the data directory: exits 0', async () => {
    const up = launch(env);
    await until('the data directory lock', up, () => existsSync(join(dataDir, 'run', 'vigil.pid')));
    await stopsCleanly(up);
  });

  it('while PostgreSQL and the Temporal dev server start (the first start runs initdb): exits 0', async () => {
    const up = launch(env);
    await until('PostgreSQL starting', up, () => up.output().includes('starting embedded PostgreSQL'));
    await stopsCleanly(up);
    assert.match(up.output(), /SIGTERM: stopping everything in order/);
  });

  it('while the workers start (the demo has just come up): exits 0 and stops the demo', async () => {
    const up = launch(env);
    await until('the demo shop answering', up, () => answers(ports.gateway));
    await stopsCleanly(up);
    assert.match(up.output(), /stopping the demo service/);
  });

  it('the moment /-/ready turns 200, just before the banner: exits 0', async () => {
    const up = launch(env);
    await until('/-/ready 200', up, async () => (await readyStatus(ports.ops)) === 200);
    await stopsCleanly(up);
    assert.match(up.output(), /stopping the workers/);
  });

  it('starts cleanly again on the same data: /-/ready is 200 only once the definitions are applied, and a stop during a quiet watch takes seconds', async () => {
    const up = launch(env);
    let firstReadyAt: number | undefined;
    await until('/-/ready 200', up, async () => {
      const status = await readyStatus(ports.ops);
      if (status === 200) firstReadyAt = Date.now();
      return status === 200;
    });
    await until('the banner', up, () => up.output().includes('Press Ctrl-C to stop.'));
    await until('"services applied" in the log', up, () => readFileSync(join(dataDir, 'logs', 'vigil.log'), 'utf8').includes('"msg":"services applied"'), 10_000);
    const applied = readFileSync(join(dataDir, 'logs', 'vigil.log'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('"msg":"services applied"'))
      .map((line) => JSON.parse(line) as { time: number })
      .at(-1)!;
    assert.ok(applied.time <= firstReadyAt!, `/-/ready said 200 at ${firstReadyAt}, before the definitions were applied at ${applied.time}`);
    const report = (await (await fetch(`http://127.0.0.1:${ports.ops}/-/ready`)).json()) as { checks: Record<string, boolean> };
    assert.deepEqual(report.checks, { temporal: true, postgres: true, workers: true });

    // The demo's loop is healthy and watching quietly: a stop no longer waits out worker.shutdownGraceMs (30 s).
    const connection = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
    try {
      const handle = new Client({ connection }).workflow.getHandle('health/payments');
      await until('a quiet watch running', up, async () => Boolean((await handle.describe()).raw.pendingActivities?.some((activity) => activity.activityType?.name === 'watchChecks')), 90_000);
    } finally {
      await connection.close();
    }
    await sleep(3_000); // well into the watch
    const stopMs = await stopsCleanly(up);
    assert.ok(stopMs < 15_000, `the stop took ${stopMs} ms`);
  });
});
