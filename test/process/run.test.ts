// The one child-process runner (lib/adapters/process/run.ts) that script checks,
// exec actions and drift providers share: the same environment rule, the same
// kill of the whole process group, the same bounds, whichever shape of result.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { ExecError, inheritedEnv, runCommand, runProgram } from '../../lib/adapters/process/run';

const dir = mkdtempSync(join(tmpdir(), 'vigil-process-run-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('process runner', () => {
  it('gives a program PATH, HOME, LANG and TZ of the worker and what the caller adds, nothing else', async () => {
    process.env.VIGIL_TEST_RUNNER_SECRET = 'leaked';
    try {
      assert.equal(inheritedEnv().VIGIL_TEST_RUNNER_SECRET, undefined);
      assert.equal(inheritedEnv({ EXTRA: 'x' }).EXTRA, 'x');
      const program = await runProgram(['/bin/sh', '-c', 'echo "${VIGIL_TEST_RUNNER_SECRET:-none} $PATH"'], { maxOutputBytes: 1024 });
      assert.equal(program.output.trim(), `none ${process.env.PATH}`);
      const command = await runCommand(['/bin/sh', '-c', 'echo "${VIGIL_TEST_RUNNER_SECRET:-none}"'], {});
      assert.equal(command.stdout.toString().trim(), 'none');
    } finally {
      delete process.env.VIGIL_TEST_RUNNER_SECRET;
    }
  });

  it('on timeout kills the whole process group, children included, for both shapes of result', async () => {
    for (const [name, run] of [
      ['runProgram', (argv: string[]) => runProgram(argv, { timeoutMs: 300, maxOutputBytes: 1024 })],
      ['runCommand', (argv: string[]) => runCommand(argv, { timeoutMs: 300 })],
    ] as const) {
      const pidFile = join(dir, `${name}.pid`);
      const started = Date.now();
      const outcome = await run(['/bin/sh', '-c', `sleep 30 & echo $! > ${pidFile}; wait`]).then(
        (value) => value,
        (error: unknown) => error,
      );
      assert.ok(Date.now() - started < 5_000, `${name} returned within the timeout`);
      if (name === 'runProgram') assert.equal((outcome as { failed?: string }).failed, 'timeout');
      else assert.match(String((outcome as ExecError).message), /^\/bin\/sh: timed out after 300 ms/);
      const child = Number(readFileSync(pidFile, 'utf8'));
      for (let waited = 0; alive(child) && waited < 2_000; waited += 50) await sleep(50);
      assert.equal(alive(child), false, `${name}: the script's child is gone`);
    }
  });

  it('stops at the caller signal', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const run = await runProgram(['/bin/sleep', '30'], { signal: controller.signal, maxOutputBytes: 1024 });
    assert.equal(run.failed, 'aborted');
    await assert.rejects(runCommand(['/bin/sleep', '30'], { signal: AbortSignal.timeout(100) }), /\/bin\/sleep: cancelled/);
  });

  it('bounds output: together and cut with a note for people; stdout whole, or an error past its limit, for parsers', async () => {
    const program = await runProgram(['/bin/sh', '-c', 'head -c 10000 /dev/zero | tr "\\0" a; echo oops >&2'], { maxOutputBytes: 1024 });
    assert.ok(Buffer.byteLength(program.output) <= 1024);
    assert.match(program.output, /10005 bytes in all/);
    const command = await runCommand(['/bin/sh', '-c', 'head -c 100000 /dev/zero | tr "\\0" a; echo oops >&2; exit 4'], {});
    assert.deepEqual([command.code, command.stdout.length, command.stderr], [4, 100_000, 'oops']);
    await assert.rejects(runCommand(['/bin/sh', '-c', 'head -c 100000 /dev/zero'], { maxStdoutBytes: 1000 }), /printed more than 1000 bytes/);
  });

  it('feeds input on stdin, and says when a program cannot start', async () => {
    const echoed = await runCommand(['/bin/cat'], { input: '{"a":1}' });
    assert.equal(echoed.stdout.toString(), '{"a":1}');
    await assert.rejects(runCommand([join(dir, 'missing')], {}), (error: unknown) => error instanceof ExecError && /ENOENT/.test(error.message));
    const program = await runProgram([join(dir, 'missing')], { maxOutputBytes: 1024 });
    assert.equal(program.failed, 'spawn');
  });
});
