// The demo shop follows Vigil's settings: with demo.ports.* and dataDir moved (by
// their VIGIL_ variables, as a second Vigil on one machine does), the shipped
// definitions check the moved ports and watch the logs under the moved dataDir,
// `vigil up`'s start runs the five services there, a restart action (run as the
// health loop runs it, with the cut-down environment) restarts that one service on
// its port with its pid file under dataDir, and `npm run demo:fail` reaches it.
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
import { isRunning, readPid } from '../../demo/process';
import { PID_HEADER } from '../../demo/shop/runtime';
import { CALLEES, SERVICES, type ServiceName } from '../../demo/shop/topology';
import { freePort } from '../helpers/ports';

const ROOT = resolve(__dirname, '..', '..');

describe('the demo shop follows demo.ports and dataDir', { timeout: 60_000 }, () => {
  let dataDir: string;
  const ports = {} as Record<ServiceName, number>;
  let env: NodeJS.ProcessEnv;
  let loaded: LoadedConfig;
  const specs = {} as Record<ServiceName, HealthSpec>;

  const dir = () => join(dataDir, 'demo');
  const pid = (service: ServiceName) => readPid(join(dir(), `${service}.pid`));
  const healthz = async (service: ServiceName) => {
    const response = await fetch(`http://127.0.0.1:${ports[service]}/healthz`, { signal: AbortSignal.timeout(5_000) });
    await response.arrayBuffer();
    return { status: response.status, pid: Number(response.headers.get(PID_HEADER)) };
  };
  const npm = (...args: string[]) =>
    new Promise<{ code: number; output: string }>((resolveRun) =>
      execFile('npm', ['run', '--silent', ...args], { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) =>
        resolveRun({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
      ),
    );

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-demo-settings-'));
    chmodSync(dataDir, 0o755);
    for (const service of SERVICES) ports[service] = await freePort();
    // What a user has: nothing DEMO_* or VIGIL_* but the moved settings.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(VIGIL|DEMO)_/.test(name)));
    env = { ...inherited, VIGIL_DATA_DIR: dataDir, ...Object.fromEntries(SERVICES.map((service) => [`VIGIL_DEMO__PORTS__${service.toUpperCase()}`, String(ports[service])])) };
    loaded = loadConfig({ dir: join(ROOT, 'configs'), env });
    assert.deepEqual(loaded.rejected, []);
    for (const service of SERVICES) {
      const definition = loaded.definitions.services.find((candidate) => candidate.name === service);
      assert.ok(definition, `configs/ defines ${service}`);
      specs[service] = healthSpec(definition.spec as ServiceDefinitionSpec);
    }
  });
  after(async () => {
    await stopDemo(demoSettings(loaded.config));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the shipped definitions check the moved ports, watch the logs under dataDir, and depend on whom each calls', () => {
    for (const service of SERVICES) {
      const spec = specs[service];
      assert.deepEqual(
        spec.checks.map((check) => (check.spec as { url?: string }).url),
        [`http://127.0.0.1:${ports[service]}/healthz`],
      );
      const [watch] = spec.logs ?? [];
      assert.equal(watch?.spec.path, join(dataDir, 'demo', `${service}.log`));
      // The shop's error lines, and only those, count.
      const pattern = new RegExp(watch.spec.patterns[0].regex, watch.spec.patterns[0].flags);
      assert.ok(pattern.test(JSON.stringify({ time: new Date().toISOString(), level: 'error', service, msg: 'call to db failed' })));
      assert.ok(!pattern.test(JSON.stringify({ time: new Date().toISOString(), level: 'info', service, msg: 'request completed', error: 'none' })));
      assert.deepEqual([...spec.dependsOn].sort(), [...CALLEES[service]].sort(), `${service} dependsOn`);
      const notify = spec.ladder.find((step) => step.action.type === 'notify')!.action as { message: string };
      assert.match(notify.message, new RegExp(`look at ${join(dataDir, 'demo', `${service}.log`)}`));
    }
  });

  it("vigil up's shop runs on the moved ports with its pid files under dataDir, and a restart action restarts that one service", async () => {
    const started = await startDemo(demoSettings(loaded.config));
    assert.ok(started.ok, started.output);
    for (const service of SERVICES) assert.deepEqual(await healthz(service), { status: 200, pid: pid(service) }, service);
    assert.ok(isRunning(readPid(join(dir(), 'loadgen.pid')) ?? 0), 'the load generator runs (demo.load.rps 2)');

    const others = SERVICES.filter((service) => service !== 'payments').map(pid);
    const first = pid('payments');
    const restart = specs.payments.ladder[0].action as ExecActionSpec;
    assert.ok(restart.argv.includes(join(dataDir, 'demo')), 'the action carries the settings: its environment is cut to PATH, HOME, LANG, TZ');
    const outcome = await runExecAction({ ...restart, cwd: ROOT });
    assert.ok(outcome.ok, `${outcome.detail}: ${outcome.output}`);
    const second = pid('payments');
    assert.ok(second && second !== first, 'a new payments process');
    assert.deepEqual(await healthz('payments'), { status: 200, pid: second });
    assert.deepEqual(SERVICES.filter((service) => service !== 'payments').map(pid), others, 'the other services untouched');
    assert.ok(existsSync(join(dir(), 'payments.log')), 'its log under dataDir');
  });

  it('npm run demo:fail reaches the shop on the moved ports (they come from the configuration)', async () => {
    const run = await npm('demo:fail', '--', 'errors');
    assert.equal(run.code, 0, run.output);
    assert.match(run.output, /payments: errors injected/);
    assert.ok(existsSync(join(dir(), 'faults', 'payments.json')));
    const heal = await npm('demo', '--', 'heal');
    assert.equal(heal.code, 0, heal.output);
    assert.match(heal.output, /healed payments \(was errors\)/);
  });
});
