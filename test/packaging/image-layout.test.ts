// What the image holds, assembled here without an engine: the build stage's
// COPY sources and `npm run build`, then the runtime stage's COPYs into an /app
// of our own, and the programs run from it as the container runs them (from
// dist/, without tsx). node_modules is this checkout's; that the compiled code
// needs only production dependencies is checked on its own.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRunning, readPid } from '../../demo/process';
import { SERVICES } from '../../demo/shop/topology';
import { eventually } from '../helpers/eventually';
import { freePort } from '../helpers/ports';
import { imageEnv, readDockerfile, type Stage } from './dockerfile';
import { ROOT, run, runOk } from './tools';

const work = mkdtempSync(join(tmpdir(), 'vigil-image-'));
const src = join(work, 'src');
const app = join(work, 'app');

/** COPY instructions of a stage as { from, sources, dest } (dest relative to the stage's WORKDIR). */
function copies(stage: Stage) {
  return stage.instructions
    .filter((instruction) => instruction.keyword === 'COPY')
    .map((instruction) => {
      const parts = instruction.args.split(/\s+/);
      const from = parts.find((part) => part.startsWith('--from='))?.slice('--from='.length);
      const paths = parts.filter((part) => !part.startsWith('--'));
      return { from, sources: paths.slice(0, -1), dest: paths.at(-1)! };
    });
}

function place(source: string, target: string): void {
  mkdirSync(dirname(target), { recursive: true });
  cpSync(source, target, { recursive: true });
}

function imageProcessEnv(): NodeJS.ProcessEnv {
  const env = imageEnv();
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...env, VIGIL_CONFIG_DIR: env.VIGIL_CONFIG_DIR.replace(/^\/app/, app) };
}

describe('the image, assembled from the Dockerfile', () => {
  before(() => {
    const { stages } = readDockerfile();
    const build = stages.find((stage) => stage.name === 'build')!;
    for (const { from, sources, dest } of copies(build)) {
      assert.equal(from, undefined);
      for (const source of sources) place(join(ROOT, source), dest.endsWith('/') ? join(src, dest, source.split('/').at(-1)!) : join(src, dest));
    }
    symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'));
    mkdirSync(app);
    runOk('npm', ['run', '-s', 'build'], { cwd: src });
    for (const { from, sources, dest } of copies(stages.at(-1)!)) {
      for (const source of sources) {
        const target = dest.startsWith('./') || dest === '.' ? join(app, dest) : join(app, dest.replace(/^\/app\/?/, ''));
        if (source.endsWith('node_modules')) symlinkSync(join(ROOT, 'node_modules'), target);
        else if (from === 'build') place(join(src, source.replace(/^\/src\/?/, '')), target);
        else place(join(ROOT, source), dest.endsWith('/') ? join(target, source.split('/').at(-1)!) : target);
      }
    }
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('holds the compiled CLI, the workflow bundle, migrations, the dashboard and configs, and no sources or tests', () => {
    for (const path of [
      'bin/vigil.js',
      'dist/cli/main.js',
      'dist/workflow-bundle.js',
      'migrations/001_self_checks.sql',
      'api/dashboard/index.html',
      'configs/vigil.yaml',
      'docker/healthcheck.js',
      'package.json',
    ]) {
      assert.ok(existsSync(join(app, path)), `${path} is in the image`);
    }
    for (const path of ['cli/main.ts', 'test', '.vigil', 'src']) assert.ok(!existsSync(join(app, path)), `${path} is not in the image`);
  });

  it('the compiled code needs only production dependencies', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const allowed = new Set([...Object.keys(manifest.dependencies), ...builtinModules]);
    const needed = new Set<string>();
    for (const file of readdirSync(join(app, 'dist'), { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.js') && name !== 'workflow-bundle.js')) {
      for (const [, specifier] of readFileSync(join(app, 'dist', file), 'utf8').matchAll(/require\("([^".][^"]*)"\)/g)) {
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
        needed.add(name.replace(/^node:/, ''));
      }
    }
    assert.deepEqual(
      [...needed].filter((name) => !allowed.has(name)),
      [],
      'required by dist/ but not a production dependency',
    );
    assert.ok(needed.has('@temporalio/worker') && needed.has('fastify'), 'the scan sees the real requires');
  });

  it('`vigil` runs from dist/ with the image env: help, config check, and the commands refuse to start without Temporal and PostgreSQL', () => {
    assert.match(runOk(process.execPath, [join(app, 'bin', 'vigil.js'), '--help'], { cwd: app, env: imageProcessEnv() }), /^Usage: vigil/);
    assert.match(runOk(process.execPath, [join(app, 'bin', 'vigil.js'), 'config', 'check'], { cwd: app, env: imageProcessEnv() }), /ok|valid/i);
    const worker = run(process.execPath, [join(app, 'bin', 'vigil.js'), 'worker'], { cwd: app, env: imageProcessEnv() });
    assert.equal(worker.status, 2, worker.stderr);
    assert.match(worker.stderr, /temporal\.address: is required/);
  });

  it('from dist/, workers load the prebuilt workflow bundle and migrations are found under /app', () => {
    const script = `
      const { loadWorkflowCode } = require(${JSON.stringify(join(app, 'dist', 'workers', 'workflow-code.js'))});
      const { migrationsDir } = require(${JSON.stringify(join(app, 'dist', 'lib', 'adapters', 'paths.js'))});
      loadWorkflowCode().then((code) => console.log(JSON.stringify({ code, migrations: migrationsDir() })));`;
    const out = JSON.parse(runOk(process.execPath, ['-e', script], { cwd: app, env: imageProcessEnv() }));
    assert.deepEqual(out, { code: { codePath: join(app, 'dist', 'workflow-bundle.js') }, migrations: join(app, 'migrations') });
  });

  it('the HEALTHCHECK script passes on 200 from /-/ready on the ops port and fails otherwise', async () => {
    let status = 200;
    const server = createServer((request, response) => {
      response.statusCode = request.url === '/-/ready' ? status : 404;
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = String((server.address() as AddressInfo).port);
    const check = () => exitCode(process.execPath, [join(app, 'docker', 'healthcheck.js')], { ...imageProcessEnv(), VIGIL_SERVER__OPS__PORT: port });
    try {
      assert.equal(await check(), 0);
      status = 503;
      assert.equal(await check(), 1);
    } finally {
      server.close();
    }
    assert.equal(await check(), 1, 'nothing listening');
  });

  it("the shop container's command runs the five services from dist/ and stops them on SIGTERM", async () => {
    const dir = join(work, 'shop');
    const ports = await Promise.all(SERVICES.map(() => freePort()));
    // As docker-compose.yml's shop service: the DEMO_ variables say where, no config is read.
    const env = { ...imageProcessEnv(), DEMO_DIR: dir, DEMO_HOST: '127.0.0.1', DEMO_PORTS: ports.join(','), DEMO_RPS: '0' };
    const child = spawn(process.execPath, [join(app, 'bin', 'vigil-demo.js'), 'run'], { cwd: app, env, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const pids = () => SERVICES.map((service) => readPid(join(dir, `${service}.pid`))).filter((pid) => pid !== undefined);
    try {
      await eventually(async () => (await fetch(`http://127.0.0.1:${ports[0]}/api/checkout`).catch(() => undefined))?.status === 200, 'a checkout through all five', 30_000);
      assert.equal(pids().length, SERVICES.length);
    } finally {
      child.kill('SIGTERM');
    }
    const running = pids();
    assert.equal(await exited, 0);
    assert.deepEqual(
      running.filter((pid) => isRunning(pid)),
      [],
      'the services stopped with it',
    );
  });
});

function exitCode(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolve) => spawn(command, args, { env, stdio: 'ignore' }).once('exit', resolve));
}
