// The demo service through its real control command (bin/vigil-demo.js): real
// processes, a real port, a temporary DEMO_DIR. Durations are never asserted.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRunning, readPid } from '../../demo/process';
import { PID_HEADER, SLOWED_HEADER } from '../../demo/service';
import { freePort } from '../helpers/ports';

const bin = resolve(__dirname, '..', '..', 'bin', 'vigil-demo.js');
const dir = mkdtempSync(join(tmpdir(), 'vigil-demo-test-'));
const pidFile = join(dir, 'demo.pid');
const logFile = join(dir, 'demo.log');
let port = 0;
let base = '';
const seenPids = new Set<number>();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function ctl(...args: string[]): Promise<Run> {
  return new Promise((resolveRun) => {
    execFile(
      process.execPath,
      [bin, ...args],
      // DEMO_LOG empty counts as unset: the log goes to its default under DEMO_DIR.
      { env: { ...process.env, DEMO_DIR: dir, DEMO_PORT: String(port), DEMO_HOST: '127.0.0.1', DEMO_LOG: '' }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolveRun({ code, stdout, stderr });
      },
    );
  });
}

function currentPid(): number {
  const pid = readPid(pidFile);
  assert.ok(pid, `no pid in ${pidFile}`);
  seenPids.add(pid);
  return pid;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

const get = (path: string, timeoutMs = 5_000) => fetch(base + path, { signal: AbortSignal.timeout(timeoutMs) });

async function healthz(): Promise<number> {
  const response = await get('/healthz');
  await response.arrayBuffer();
  return response.status;
}

async function expectOk(run: Promise<Run>, pattern: RegExp): Promise<Run> {
  const result = await run;
  assert.equal(result.code, 0, `exit ${result.code}: ${result.stdout}${result.stderr}`);
  assert.match(result.stdout, pattern);
  assert.equal(result.stdout.trim().split('\n').length, 1, 'one line of output');
  return result;
}

const errorLines = () =>
  existsSync(logFile)
    ? readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((line) => / ERROR /.test(line)).length
    : 0;

/** Parses Prometheus text exposition: every sample line is `name{labels} value`. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) {
      if (line.startsWith('#')) assert.match(line, /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/);
      continue;
    }
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})?) (\S+)$/.exec(line);
    assert.ok(match, `not a Prometheus sample line: ${line}`);
    const value = Number(match[2]);
    assert.ok(!Number.isNaN(value) || match[2] === 'NaN', `bad value in ${line}`);
    samples.set(match[1], value);
  }
  return samples;
}

describe('demo service and vigil-demo', () => {
  before(async () => {
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    await ctl('stop');
    for (const pid of seenPids) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('start brings up a healthy service and writes a pid file', async () => {
    const run = await expectOk(ctl('start'), /started \(pid \d+\)/);
    const pid = currentPid();
    assert.match(run.stdout, new RegExp(`pid ${pid}`));
    assert.ok(isRunning(pid));
    const response = await get('/healthz');
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
    assert.equal(response.headers.get(PID_HEADER), String(pid));
    await expectOk(ctl('status'), /healthy/);
    await expectOk(ctl('start'), new RegExp(`already running \\(pid ${pid}\\)`));
    const work = await get('/');
    assert.equal(work.status, 200);
    assert.equal(typeof ((await work.json()) as { result: unknown }).result, 'number');
  });

  it('hang: a health request gets no answer within a 1 s client timeout', async () => {
    await expectOk(ctl('fail', 'hang'), /failure mode hang/);
    await assert.rejects(get('/healthz', 1_000), { name: 'TimeoutError' });
    const status = await ctl('status');
    assert.equal(status.code, 1);
    assert.match(status.stdout, /unhealthy/);
    await expectOk(ctl('fail', 'recover'), /recovered/);
    assert.equal(await healthz(), 200);
  });

  it('error: health answers 500 and the service logs an ERROR', async () => {
    await expectOk(ctl('fail', 'error'), /failure mode error/);
    const response = await get('/healthz');
    assert.equal(response.status, 500);
    assert.equal((await get('/')).status, 500);
    assert.equal((await ctl('status')).code, 1);
    assert.ok(errorLines() > 0);
  });

  it('slow: the response says it was slowed', async () => {
    await expectOk(ctl('fail', 'slow'), /failure mode slow/);
    const response = await get('/healthz', 10_000);
    assert.equal(response.status, 200);
    assert.ok(Number(response.headers.get(SLOWED_HEADER)) > 0, `expected a ${SLOWED_HEADER} header`);
    await expectOk(ctl('fail', 'recover'), /recovered/);
    const normal = await get('/healthz');
    assert.equal(normal.headers.get(SLOWED_HEADER), null);
  });

  it('a failure with --duration reverts on its own', async () => {
    // Long enough to be seen under load (starting the ctl command alone can take a second).
    await expectOk(ctl('fail', 'error', '--duration', '4s'), /for 4000 ms/);
    assert.equal(await healthz(), 500);
    await until('health is back to 200', async () => (await healthz()) === 200);
  });

  it('spam-logs: the log grows with ERROR lines, health stays up', async () => {
    const before = errorLines();
    await expectOk(ctl('fail', 'spam-logs', '--duration', '2s'), /failure mode spam-logs/);
    await until('the log has many more ERROR lines', () => errorLines() >= before + 20);
    assert.equal(await healthz(), 200);
    await expectOk(ctl('fail', 'recover'), /recovered/);
  });

  it('/metrics is Prometheus text and counts requests', async () => {
    const read = async () => {
      const response = await get('/metrics');
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
      return parsePrometheus(await response.text());
    };
    const key = 'demo_requests_total{path="/",status="200"}';
    const before = (await read()).get(key) ?? 0;
    for (let i = 0; i < 3; i++) await (await get('/')).arrayBuffer();
    const samples = await read();
    assert.equal(samples.get(key), before + 3);
    assert.ok((samples.get('demo_requests_total{path="/healthz",status="500"}') ?? 0) >= 1, 'the error mode was counted');
    assert.ok([...samples.keys()].some((name) => name.startsWith('demo_request_duration_seconds_bucket{')));
    assert.ok((samples.get('demo_request_duration_seconds_count{path="/",status="200"}') ?? 0) >= 3);
    assert.equal(samples.get('demo_up'), 1);
    await expectOk(ctl('fail', 'error'), /error/);
    assert.equal((await read()).get('demo_up'), 0);
    await expectOk(ctl('fail', 'recover'), /recovered/);
  });

  it('crash: the process exits and status says so', async () => {
    const pid = currentPid();
    await expectOk(ctl('fail', 'crash'), /crash requested/);
    await until('the crashed process is gone', () => !isRunning(pid));
    const status = await ctl('status');
    assert.equal(status.code, 1);
    assert.match(status.stdout, /not running/);
    assert.match(readFileSync(logFile, 'utf8'), /ERROR crash requested/);
  });

  it('restart brings it back healthy under a new pid', async () => {
    await expectOk(ctl('restart'), /restarted/); // after the crash: nothing to stop
    const first = currentPid();
    assert.equal(await healthz(), 200);
    await expectOk(ctl('fail', 'hang'), /hang/);
    await expectOk(ctl('restart'), new RegExp(`restarted \\(pid ${first} → \\d+\\)`));
    const second = currentPid();
    assert.notEqual(second, first);
    assert.ok(!isRunning(first), 'the old process is gone');
    assert.equal(await healthz(), 200, 'modes do not survive a restart');
    await expectOk(ctl('status'), /healthy/);
  });

  it('stop leaves no process and no pid file; stopping again is fine', async () => {
    const pid = currentPid();
    await expectOk(ctl('stop'), new RegExp(`stopped \\(pid ${pid}\\)`));
    assert.ok(!isRunning(pid));
    assert.ok(!existsSync(pidFile));
    await assert.rejects(get('/healthz', 1_000));
    await expectOk(ctl('stop'), /not running/);
    assert.equal((await ctl('status')).code, 1);
    const fail = await ctl('fail', 'hang');
    assert.equal(fail.code, 1, 'failing a stopped service is a runtime failure');
    assert.match(fail.stderr, /cannot reach/);
  });

  it('bad usage exits 2', async () => {
    for (const args of [[], ['bogus'], ['fail'], ['fail', 'explode'], ['fail', 'hang', '--duration', 'soon'], ['status', 'extra'], ['--nope', 'start']]) {
      const run = await ctl(...args);
      assert.equal(run.code, 2, `${JSON.stringify(args)} → ${run.code}: ${run.stderr}`);
      assert.match(run.stderr, /^vigil-demo: /);
    }
    assert.equal((await ctl('--help')).code, 0);
  });
});
