// `npm start` and `npx vigil up` as a user types them: on SIGTERM or Ctrl-C the
// command must wait while Vigil stops in order (saying what it stops), and exit
// with Vigil's status. Through sh, npm exited 143 at once while Vigil drained on
// in the background with PostgreSQL and Temporal still listening.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRunning } from '../../demo/process';
import { testEnvironment } from '../helpers/harness';
import { freeVigilPorts, processesMentioning, upEnv } from '../helpers/vigil-process';

const ROOT = resolve(__dirname, '..', '..');

interface Typed {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Runs `command` in its own process group, as a shell runs a foreground job. */
function type(command: string[], env: NodeJS.ProcessEnv): Typed {
  const child = spawn(command[0], command.slice(1), { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  return { child, output: () => output, exited };
}

async function waitForBanner(typed: Typed, timeoutMs = 150_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void typed.exited.then((code) => (exitCode = code));
  while (!typed.output().includes('Press Ctrl-C to stop.')) {
    if (exitCode !== undefined || Date.now() > deadline) {
      if (exitCode === undefined) process.kill(-typed.child.pid!, 'SIGKILL');
      assert.fail(`vigil up did not come up (exit ${exitCode}):\n${typed.output()}`);
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
}

/** The Vigil process under npm: the node running bin/vigil.js somewhere below `pid`. */
function vigilBelow(pid: number): number {
  const children = (parent: number) =>
    readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number)
      .filter((candidate) => {
        try {
          return Number(readFileSync(`/proc/${candidate}/stat`, 'utf8').split(') ')[1].split(' ')[1]) === parent;
        } catch {
          return false;
        }
      });
  const queue = [pid];
  while (queue.length) {
    const next = queue.shift()!;
    for (const child of children(next)) {
      const cmdline = readFileSync(`/proc/${child}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (/\bnode\b.*bin\/vigil(\.js)? up/.test(cmdline)) return child;
      queue.push(child);
    }
  }
  assert.fail(`no vigil process below ${pid}`);
}

describe('the command the user typed waits for Vigil to stop', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  /** Vigil processes seen; one left behind by a command that did not wait is killed at the end. */
  const vigils: number[] = [];

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-stop-waits-'));
    chmodSync(dataDir, 0o755);
    env = upEnv(dataDir, await freeVigilPorts(), testEnvironment().temporalCli);
  });
  after(() => {
    for (const pid of [...vigils, ...processesMentioning(dataDir)]) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function stopsInOrder(typed: Typed, signal: () => void): Promise<void> {
    await waitForBanner(typed);
    const vigil = vigilBelow(typed.child.pid!);
    vigils.push(vigil);
    signal();
    const code = await typed.exited;
    // The moment the command returns, nothing of Vigil's may be left.
    const left = processesMentioning(dataDir);
    const vigilLeft = isRunning(vigil);
    assert.equal(code, 0, `exit ${code}:\n${typed.output()}`);
    assert.deepEqual(left, [], 'Temporal and PostgreSQL stopped before the command returned');
    assert.equal(vigilLeft, false, 'Vigil itself stopped before the command returned');
    const output = typed.output();
    for (const step of ['the API', 'the workers', 'PostgreSQL', 'the Temporal dev server']) assert.match(output, new RegExp(`vigil: stopping ${step}`), `says it stops ${step}`);
    assert.match(output, /vigil: stopped\n/);
    assert.doesNotMatch(output, /exiting without waiting/, "npm's copy of the signal is not taken for a second Ctrl-C");
  }

  it('npm start: SIGTERM to npm waits for the stop and exits 0', async () => {
    const typed = type(['npm', 'start'], env);
    await stopsInOrder(typed, () => process.kill(typed.child.pid!, 'SIGTERM'));
  });

  it('npx vigil up: Ctrl-C (SIGINT to the whole foreground group) waits for the stop and exits 0', async () => {
    const typed = type(['npx', '--no-install', 'vigil', 'up'], env);
    await stopsInOrder(typed, () => process.kill(-typed.child.pid!, 'SIGINT'));
  });
});
