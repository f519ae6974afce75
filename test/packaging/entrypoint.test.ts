// The image's ENTRYPOINT and CMD, and the arguments compose and Kubernetes give
// it, are commands the CLI really has: each one is listed by `--help` and,
// when run here without Temporal or PostgreSQL, is recognised (it fails for the
// missing dependency, never with "unknown command").
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execForm, finalStage, last } from './dockerfile';
import { parseObjects, workloads } from './k8s';
import { ROOT, composeProject, kustomizeBuild, run, vigilServices, type RunResult } from './tools';

const VIGIL = '/app/bin/vigil.js';
const DEMO = '/app/bin/vigil-demo.js';
const ENTRYPOINT = execForm(last(finalStage(), 'ENTRYPOINT'));
const CMD = execForm(last(finalStage(), 'CMD'));

const usageCache = new Map<string, Set<string>>();

/** Command words listed under "Commands:" in a CLI's usage text. */
function listedCommands(script: string): Set<string> {
  if (!usageCache.has(script)) {
    const usage = run(process.execPath, [script, '--help']).stdout;
    usageCache.set(script, new Set([...usage.matchAll(/^ {2}([a-z][a-z-]*(?: [a-z][a-z-]*)?)(?= |$)/gm)].map((match) => match[1])));
  }
  return usageCache.get(script)!;
}

/**
 * Runs the CLI with argv in a bare environment; returns what it printed.
 * An operator command's --api is pointed at a closed local port, so that it
 * fails at once instead of waiting for a compose host name to resolve.
 */
const runCache = new Map<string, RunResult>();
function tryCommand(script: string, argv: string[]): RunResult {
  const local = argv.map((arg, index) => (argv[index - 1] === '--api' ? 'http://127.0.0.1:1' : arg));
  const key = JSON.stringify([script, local]);
  if (!runCache.has(key)) runCache.set(key, run(process.execPath, [script, ...local], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } }));
  return runCache.get(key)!;
}

function assertRealCommand(script: string, argv: string[], where: string): void {
  const commands = listedCommands(join(ROOT, 'bin', script === VIGIL ? 'vigil.js' : 'vigil-demo.js'));
  const words = argv.filter((arg) => !arg.startsWith('-'));
  assert.ok(commands.has(words[0]) || commands.has(words.slice(0, 2).join(' ')), `${where}: "${argv.join(' ')}" is not listed by ${script} --help (${[...commands].join(', ')})`);
  if (script === DEMO && (words[0] === 'serve' || words[0] === 'run')) return; // would stay up: tested in test/demo and by the image layout test
  const result = tryCommand(join(ROOT, 'bin', script === VIGIL ? 'vigil.js' : 'vigil-demo.js'), argv);
  assert.doesNotMatch(result.stderr, /unknown command/, `${where}: ${result.stderr}`);
  assert.doesNotMatch(result.stdout, /^Usage:/, `${where}: printed usage`);
}

/** Splits an entrypoint + command into the script it runs and its arguments. */
function scriptAndArgs(entrypoint: string[], command: string[], where: string): { script: string; argv: string[] } {
  const argv = [...entrypoint, ...command];
  const index = argv.findIndex((part) => part === VIGIL || part === DEMO);
  assert.ok(index > 0, `${where}: runs neither ${VIGIL} nor ${DEMO}: ${argv.join(' ')}`);
  assert.deepEqual(argv.slice(0, index), ['/usr/bin/tini', '--', 'node'], `${where}: tini is PID 1 and runs node`);
  return { script: argv[index], argv: argv.slice(index + 1) };
}

describe('image entrypoint and arguments', () => {
  it('the Dockerfile runs the vigil CLI under tini, `api` by default', () => {
    const { script, argv } = scriptAndArgs(ENTRYPOINT, CMD, 'Dockerfile');
    assert.equal(script, VIGIL);
    assert.deepEqual(argv, ['api']);
    assertRealCommand(script, argv, 'Dockerfile CMD');
  });

  it('docker-compose.yml: every Vigil service runs a real command', () => {
    const project = composeProject();
    const seen: string[] = [];
    for (const [name, service] of vigilServices(project)) {
      const { script, argv } = scriptAndArgs(service.entrypoint ?? ENTRYPOINT, service.command ?? CMD, `compose service ${name}`);
      assertRealCommand(script, argv, `compose service ${name}`);
      seen.push(`${name}: ${argv[0]}`);
    }
    assert.deepEqual(seen.sort(), ['api: api', 'apply: apply', 'migrate: migrate', 'shop: run', 'worker: worker']);
  });

  it('Kubernetes: every container runs a real command', () => {
    const seen: string[] = [];
    for (const { object, pod } of workloads(parseObjects(kustomizeBuild('k8s/overlays/example')))) {
      for (const container of pod.containers) {
        const where = `${object.kind} ${object.metadata.name}`;
        const { script, argv } = scriptAndArgs(container.command ?? ENTRYPOINT, container.args ?? CMD, where);
        assertRealCommand(script, argv, where);
        seen.push(`${object.metadata.name}: ${argv.join(' ')}`);
      }
    }
    assert.deepEqual(seen.sort(), ['vigil-api: api', 'vigil-migrate: migrate', 'vigil-worker: worker']);
  });

  it('the check rejects a command the CLI does not have', () => {
    assert.throws(() => assertRealCommand(VIGIL, ['workers'], 'a typo'), /"workers" is not listed/);
  });
});
