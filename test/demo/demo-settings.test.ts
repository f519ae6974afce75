// The demo follows Vigil's settings: with demo.port and dataDir moved (by their
// VIGIL_ variables, as a second Vigil on one machine does), the shipped
// definition checks the moved port, its restart action (run as the health loop
// runs it, with the cut-down environment) restarts the demo on that port with its
// pid file under dataDir, and `npm run demo:fail` reaches it. Before, all of them
// went to 9400 and the repo's .vigil/demo: the first Vigil's demo.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { demoSettings, startDemo, stopDemo } from '../../cli/demo-process';
import { loadConfig, type LoadedConfig } from '../../lib/adapters/config/load';
import { runExecAction } from '../../lib/adapters/actions/run';
import type { ExecActionSpec } from '../../lib/core/actions/types';
import { healthSpec, type HealthSpec } from '../../lib/core/health/spec';
import type { ServiceDefinitionSpec } from '../../lib/core/config/services';
import { readPid } from '../../demo/process';
import { PID_HEADER } from '../../demo/service';
import { freePort } from '../helpers/ports';

const ROOT = resolve(__dirname, '..', '..');

describe('the demo follows demo.port and dataDir', () => {
  let dataDir: string;
  let port: number;
  let env: NodeJS.ProcessEnv;
  let loaded: LoadedConfig;
  let demo: HealthSpec;

  const pidFile = () => join(dataDir, 'demo', 'demo.pid');
  const healthz = async () => {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    return { status: response.status, pid: Number(response.headers.get(PID_HEADER)) };
  };

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-demo-settings-'));
    chmodSync(dataDir, 0o755);
    port = await freePort();
    // What a user has: nothing DEMO_* or VIGIL_* but the two moved settings.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(VIGIL|DEMO)_/.test(name)));
    env = { ...inherited, VIGIL_DEMO__PORT: String(port), VIGIL_DATA_DIR: dataDir };
    loaded = loadConfig({ dir: join(ROOT, 'configs'), env });
    const definition = loaded.definitions.services.find((service) => service.name === 'demo');
    assert.ok(definition, `configs/ defines the demo service (rejected: ${JSON.stringify(loaded.rejected)})`);
    demo = healthSpec(definition.spec as ServiceDefinitionSpec);
  });
  after(async () => {
    await stopDemo(demoSettings(loaded.config));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the shipped definition checks the moved port and names the moved log', () => {
    const [http, tcp] = demo.checks.map((check) => check.spec as { url?: string; port?: number });
    assert.equal(http.url, `http://127.0.0.1:${port}/healthz`);
    assert.equal(tcp.port, port);
    const notify = demo.ladder.find((step) => step.action.type === 'notify')!.action as { message: string };
    assert.match(notify.message, new RegExp(`look at ${join(dataDir, 'demo', 'demo.log')}`));
  });

  it("vigil up's demo keeps its pid file under dataDir, and the restart action restarts that one on the moved port", async () => {
    const started = await startDemo(demoSettings(loaded.config));
    assert.ok(started.ok, started.output);
    const first = readPid(pidFile());
    assert.ok(first, `a pid file in ${pidFile()}`);
    assert.equal((await healthz()).pid, first);

    const restart = demo.ladder[0].action as ExecActionSpec;
    assert.deepEqual(restart.argv.slice(-4), ['--port', String(port), '--dir', join(dataDir, 'demo')], 'the action carries the settings: its environment is cut to PATH, HOME, LANG, TZ');
    const outcome = await runExecAction({ ...restart, cwd: ROOT });
    assert.ok(outcome.ok, `${outcome.detail}: ${outcome.output}`);
    const second = readPid(pidFile());
    assert.ok(second && second !== first, 'a new process');
    assert.deepEqual(await healthz(), { status: 200, pid: second });
    assert.equal(existsSync(join(dataDir, 'demo', 'demo.log')), true, 'its log under dataDir too');
  });

  it('npm run demo:fail reaches the demo on the moved port (the port comes from the configuration)', async () => {
    const run = await new Promise<{ code: number; output: string }>((resolveRun) =>
      execFile('npm', ['run', '--silent', 'demo:fail', '--', 'error', '--duration', '30s'], { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) =>
        resolveRun({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
      ),
    );
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /failure mode error set/);
    assert.equal((await healthz()).status, 500);
  });
});
