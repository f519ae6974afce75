// Operator commands load only what they use: `vigil --help` and `vigil service
// list` used to load the worker, the bundler and the API first (5–25 s). A
// preload script records every module the process loaded; the figures are
// bench/cli-startup.ts's, the bound here is only a generous backstop.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildTestApi, TOKENS, type TestApi } from '../helpers/api';
import { createTestDatabase, uniqueName, type TestDatabase } from '../helpers/harness';

const ROOT = resolve(__dirname, '..', '..');
/** What only the long-running commands need (loading any of them costs seconds), and the config schema builder. */
const HEAVY = [...['@temporalio/worker', '@temporalio/client', 'fastify', 'pg'].map((name) => `/node_modules/${name}/`), ...['workers', 'api', 'activities'].map((folder) => `${ROOT}/${folder}/`)];
/** Needed only when the env does not name the API and the token. */
const SCHEMA = '/node_modules/typebox/';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
  modules: string[];
}

describe('vigil start-up', () => {
  let dir: string;
  let preload: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-startup-'));
    preload = join(dir, 'record-modules.cjs');
    writeFileSync(preload, "process.on('exit', () => require('node:fs').writeFileSync(process.env.RECORD_MODULES_TO, Object.keys(require.cache).join('\\n')));\n");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function vigil(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
    const record = join(dir, `modules-${uniqueName('run')}.txt`);
    const startedAt = performance.now();
    return new Promise((resolveRun) => {
      execFile(
        process.execPath,
        ['--require', preload, join(ROOT, 'bin', 'vigil.js'), ...args],
        { cwd: ROOT, env: { ...env, RECORD_MODULES_TO: record }, timeout: 60_000 },
        (error, stdout, stderr) => {
          const ms = performance.now() - startedAt;
          resolveRun({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr, ms, modules: readFileSync(record, 'utf8').split('\n') });
        },
      );
    });
  }

  const loadedOf = (run: Run, parts: string[]) => run.modules.filter((module) => parts.some((part) => module.includes(part)));
  const inherited = () => Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VIGIL_')));

  it('vigil --help loads neither the worker, the API nor the config schema, and is quick', async () => {
    const runs = [];
    for (let index = 0; index < 3; index += 1) runs.push(await vigil(['--help'], inherited()));
    for (const run of runs) {
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^Usage: vigil <command>/);
      assert.deepEqual(loadedOf(run, [...HEAVY, SCHEMA]), []);
    }
    // The old path took 5–25 s; a loaded test machine must still stay far below that.
    const median = runs.map((run) => run.ms).sort((a, b) => a - b)[1];
    assert.ok(median < 3_000, `median ${Math.round(median)} ms`);
  });

  describe('against a running API', () => {
    let db: TestDatabase;
    let api: TestApi;

    before(async () => {
      db = await createTestDatabase('startup');
      api = await buildTestApi({ db, taskQueuePrefix: uniqueName('startup') });
      await api.app.listen({ host: '127.0.0.1', port: 0 });
    });
    after(async () => {
      await api.close();
      await db.close();
    });

    it('vigil service list (API and token from the env) loads neither the worker, the API code nor the config schema', async () => {
      const { port } = api.app.server.address() as { port: number };
      const run = await vigil(['service', 'list'], { ...inherited(), VIGIL_API_URL: `http://127.0.0.1:${port}`, VIGIL_TOKEN: TOKENS.read });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /no services are being watched|NAME\s+STATUS/);
      assert.deepEqual(loadedOf(run, [...HEAVY, SCHEMA]), []);
    });
  });
});
