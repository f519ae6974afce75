// The Dockerfile: hadolint finds nothing, and the structure the issue asks for
// holds (multi-stage build, Debian slim, production modules only, non-root,
// tini, HEALTHCHECK on the ops port, sources that exist and are not ignored).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { finalStage, last, readDockerfile } from './dockerfile';
import { ROOT, run, tempFile, tools } from './tools';

describe('Dockerfile', () => {
  it('passes hadolint', () => {
    const result = run(tools.hadolint, ['--no-color', join(ROOT, 'Dockerfile')]);
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  it('hadolint is strict enough to fail a careless Dockerfile', () => {
    const careless = tempFile('Dockerfile', 'FROM node:latest\nRUN apt-get install curl\nCMD node bin/vigil.js api\n');
    const result = run(tools.hadolint, ['--no-color', careless]);
    assert.notEqual(result.status, 0);
    assert.match(result.stdout, /DL3007/); // latest tag
  });

  it('builds once in a build stage and runs on Debian slim with production modules only', () => {
    const { stages } = readDockerfile();
    assert.ok(stages.length >= 2, 'multi-stage');
    for (const stage of stages) assert.match(stage.from, /^node:\d+[\w.-]*-(bookworm|trixie)-slim$/, `glibc (Debian slim), not Alpine: ${stage.from}`);
    const build = stages.find((stage) => stage.instructions.some((instruction) => instruction.keyword === 'RUN' && instruction.args.includes('npm run build')));
    assert.ok(build?.name, 'a named stage runs npm run build');
    const runtime = finalStage();
    const copies = runtime.instructions.filter((instruction) => instruction.keyword === 'COPY').map((instruction) => instruction.args);
    assert.ok(
      copies.some((args) => args.includes(`--from=${build.name}`) && args.includes('/dist')),
      'the runtime stage takes dist/ from the build',
    );
    const modules = copies.find((args) => args.includes('node_modules'));
    const depsStage = stages.find((stage) => modules?.includes(`--from=${stage.name}`));
    assert.ok(
      depsStage?.instructions.some((instruction) => /npm ci .*--omit=dev/.test(instruction.args)),
      'node_modules from `npm ci --omit=dev`',
    );
  });

  it('runs as a numeric non-root user under tini, with a HEALTHCHECK on the ops listener', () => {
    const runtime = finalStage();
    const user = last(runtime, 'USER')!.args;
    assert.match(user, /^[1-9]\d*(:\d+)?$/, `numeric non-root USER, got ${user}`);
    assert.match(last(runtime, 'ENTRYPOINT')!.args, /^\["\/usr\/bin\/tini", "--"/);
    assert.ok(runtime.instructions.some((instruction) => instruction.keyword === 'RUN' && /apt-get install .*\btini\b/.test(instruction.args)));
    const healthcheck = last(runtime, 'HEALTHCHECK')!.args;
    assert.match(healthcheck, /CMD \["node", "\/app\/docker\/healthcheck\.js"\]/);
    assert.match(readFileSync(join(ROOT, 'docker', 'healthcheck.js'), 'utf8'), /VIGIL_SERVER__OPS__PORT \|\| '8081'.*\n.*\/-\/ready/);
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    for (const entry of ['.vigil', 'node_modules', 'test', '.env', '.tools']) assert.ok(ignored.includes(entry), `.dockerignore keeps ${entry} out`);
    for (const stage of readDockerfile().stages) {
      for (const instruction of stage.instructions.filter((candidate) => candidate.keyword === 'COPY' && !candidate.args.includes('--from='))) {
        const sources = instruction.args.split(/\s+/).slice(0, -1);
        for (const source of sources) {
          assert.ok(existsSync(join(ROOT, source)), `line ${instruction.line}: ${source} exists`);
          const top = source.split('/')[0];
          assert.ok(!ignored.includes(top) && !ignored.includes(source), `line ${instruction.line}: ${source} is excluded by .dockerignore`);
        }
      }
    }
  });
});
