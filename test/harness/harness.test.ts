// The test harness itself (test/run.ts), as a developer meets it on a fresh
// machine: a tool that is missing stops the run within seconds with the line that
// installs it, and a file that hangs fails at its time limit instead of holding
// the run for good.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';

const root = resolve(__dirname, '..', '..');

function harness(files: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  // Without NODE_TEST_CONTEXT the inner runner runs its files instead of taking itself for a file of ours.
  const { NODE_TEST_CONTEXT: _ours, ...outer } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/run.ts', ...files], { cwd: root, env: { ...outer, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return new Promise((resolveRun) => child.once('exit', (code) => resolveRun({ code, output, ms: Date.now() - started })));
}

describe('npm test harness', { timeout: 240_000 }, () => {
  it('stops within seconds, naming the install line, when a file needs a tool that is missing', async () => {
    const run = await harness(['test/fixtures/harness/needs-prometheus.fixture.ts'], { TEST_PROMETHEUS: '/nonexistent/prometheus' });
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /Prometheus \(\/nonexistent\/prometheus\)/);
    assert.match(run.output, /apt-get install -y --no-install-recommends prometheus/);
    assert.doesNotMatch(run.output, /starting Temporal/, 'nothing is started before the tools are there');
    assert.ok(run.ms < 20_000, `took ${run.ms} ms`);
  });

  it('fails a file that hangs at its time limit and finishes the run', async () => {
    const run = await harness(['test/fixtures/harness/hangs.fixture.ts'], { TEST_FILE_TIMEOUT_MS: '3000' });
    assert.equal(run.code, 1, run.output);
    assert.match(run.output, /timed out after 3000ms/);
    assert.ok(run.ms < 180_000, `took ${run.ms} ms`);
  });
});
