// Vigil's own stop (cli/process-signals.ts): what has started is stopped in
// reverse order whatever the moment of the stop, a start still under way is
// waited for and stopped too, and the exit code says how it ended. The signal
// path runs in a child process, so the test runner keeps its own handlers.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Shutdown, StopRequested } from '../../cli/process-signals';

const ROOT = resolve(__dirname, '..', '..');

function recorder() {
  const events: string[] = [];
  const exits: number[] = [];
  const shutdown = new Shutdown({
    progress: (what, ms) => events.push(what === undefined ? 'stopped' : ms === undefined ? `stopping ${what}` : `done ${what}`),
    exit: (code) => void exits.push(code),
  });
  const thing =
    (name: string, fail = false) =>
    async () => {
      events.push(`stop ${name}`);
      if (fail) throw new Error(`${name} would not stop`);
    };
  return { events, exits, shutdown, thing };
}

describe('Shutdown', () => {
  it('stops what has started in reverse order, naming the named steps, then exits with the code asked for', async () => {
    const { events, exits, shutdown, thing } = recorder();
    shutdown.onStop(undefined, thing('lock'));
    await shutdown.start('PostgreSQL', Promise.resolve('pg'), () => thing('PostgreSQL'));
    await shutdown.start('the workers', Promise.resolve('workers'), () => thing('workers'));
    await shutdown.exit(0);
    assert.deepEqual(events, ['stopping the workers', 'stop workers', 'done the workers', 'stopping PostgreSQL', 'stop PostgreSQL', 'done PostgreSQL', 'stop lock', 'stopped']);
    assert.deepEqual(exits, [0]);
  });

  it('ends start-up at once on a stop, waits for the start under way and stops it too', async () => {
    const { events, exits, shutdown, thing } = recorder();
    await shutdown.start('PostgreSQL', Promise.resolve('pg'), () => thing('PostgreSQL'));
    let finishStarting!: () => void;
    const slowStart = new Promise<string>((resolveStart) => (finishStarting = () => resolveStart('dev server')));
    const starting = shutdown.start('the Temporal dev server', slowStart, () => thing('dev server'));
    const exited = shutdown.exit(0);
    await assert.rejects(starting, StopRequested, 'start-up goes no further');
    await assert.rejects(shutdown.step(sleep(10_000)), StopRequested, 'nor does any later step');
    await sleep(50);
    assert.deepEqual(events, [], 'nothing is stopped before the start under way has settled');
    finishStarting();
    await exited;
    assert.deepEqual(events, ['stopping the Temporal dev server', 'stop dev server', 'done the Temporal dev server', 'stopping PostgreSQL', 'stop PostgreSQL', 'done PostgreSQL', 'stopped']);
    assert.deepEqual(exits, [0]);
  });

  it('a start that fails leaves nothing to stop', async () => {
    const { events, shutdown, thing } = recorder();
    await assert.rejects(
      shutdown.start('PostgreSQL', Promise.reject(new Error('no initdb')), () => thing('PostgreSQL')),
      /no initdb/,
    );
    await shutdown.stop();
    assert.deepEqual(events, []);
  });

  it('runs every stop even when one fails, and exits 1', async () => {
    const { events, exits, shutdown, thing } = recorder();
    await shutdown.start('PostgreSQL', Promise.resolve(1), () => thing('PostgreSQL'));
    await shutdown.start('the API', Promise.resolve(2), () => thing('API', true));
    const stderr = process.stderr.write;
    process.stderr.write = () => true;
    try {
      await shutdown.exit(0);
    } finally {
      process.stderr.write = stderr;
    }
    assert.deepEqual(
      events.filter((event) => event.startsWith('stop ')),
      ['stop API', 'stop PostgreSQL'],
    );
    assert.deepEqual(exits, [1]);
  });

  it('a failure stop keeps its exit code when a second stop is asked for during it', async () => {
    const { exits, shutdown } = recorder();
    let release!: () => void;
    shutdown.onStop('the workers', () => new Promise<void>((resolveStop) => (release = resolveStop)));
    const failing = shutdown.exit(1);
    const again = shutdown.exit(0);
    release();
    await Promise.all([failing, again]);
    assert.deepEqual(exits, [1]);
  });
});

describe('Shutdown.ownSignals in a process of its own', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-signals-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  // A start-up that takes a second: PostgreSQL up at once, then a slow dev server.
  const script = join(dir, 'starting.ts');
  writeFileSync(
    script,
    `import { Shutdown } from ${JSON.stringify(join(ROOT, 'cli', 'process-signals'))};
const say = (line: string) => process.stdout.write(line + '\\n');
const shutdown = new Shutdown({ progress: (what, ms) => say(what === undefined ? 'stopped' : ms === undefined ? 'stopping ' + what : 'done ' + what), onSignal: (signal) => say('got ' + signal) }).ownSignals();
const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
(async () => {
  await shutdown.start('PostgreSQL', later(10), () => async () => say('PostgreSQL stopped'));
  say('starting the dev server');
  await shutdown.start('the dev server', later(1000), () => async () => say('dev server stopped'));
  say('up');
})().catch((error) => say('start-up ended: ' + error.constructor.name));
`,
  );

  it('a SIGTERM while a start is under way waits for it, stops both in order and exits 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
    while (!output.includes('starting the dev server')) await sleep(20);
    child.kill('SIGTERM');
    // npm's copy of a Ctrl-C, a few milliseconds later, is not a second Ctrl-C.
    child.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    assert.deepEqual(output.trim().split('\n'), [
      'starting the dev server',
      'got SIGTERM',
      'start-up ended: StopRequested',
      'stopping the dev server',
      'dev server stopped',
      'done the dev server',
      'stopping PostgreSQL',
      'PostgreSQL stopped',
      'done PostgreSQL',
      'stopped',
    ]);
  });
});
