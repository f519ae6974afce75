// Script checks: real programs run from an argv list, never through a shell.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCheck, type ScriptCheckSpec } from '../../lib/adapters/checks';
import { OUTPUT_MAX_BYTES } from '../../lib/adapters/checks/script';

const dir = mkdtempSync(join(tmpdir(), 'vigil-checks-script-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const check = (argv: string[], extra: Partial<ScriptCheckSpec> = {}) => runCheck({ type: 'script', argv, timeoutMs: 5_000, ...extra });

describe('script check', () => {
  it('is up on exit 0', async () => {
    const result = await check(['/bin/true']);
    assert.deepEqual({ up: result.up, detail: result.detail, attempts: result.attempts }, { up: true, detail: 'exit 0', attempts: 1 });
  });

  it('is down on a non-zero exit, with the code and output in the detail', async () => {
    const result = await check(['/bin/sh', '-c', 'echo to-stdout; echo to-stderr >&2; exit 3']);
    assert.equal(result.up, false);
    assert.match(result.detail, /^exit 3: /);
    assert.match(result.output ?? '', /to-stdout/);
    assert.match(result.output ?? '', /to-stderr/);
  });

  it('is down when the program does not exist', async () => {
    const result = await check([join(dir, 'no-such-program')]);
    assert.equal(result.up, false);
    assert.match(result.detail, /ENOENT/);
  });

  it('passes env and cwd, and not the worker environment', async () => {
    process.env.VIGIL_TEST_SECRET = 'leaked';
    try {
      const result = await check(['/bin/sh', '-c', 'echo "$GREETING in $(pwd) secret=${VIGIL_TEST_SECRET:-none}"'], { env: { GREETING: 'hi' }, cwd: dir });
      assert.equal(result.up, true);
      assert.equal(result.output?.trim(), `hi in ${dir} secret=none`);
    } finally {
      delete process.env.VIGIL_TEST_SECRET;
    }
  });

  it('never uses a shell: an argument is passed literally', async () => {
    const marker = join(dir, 'touched');
    const result = await check(['/bin/echo', `$(touch ${marker})`, '; touch', marker, '`id`']);
    assert.equal(result.up, true);
    assert.equal(result.output, `$(touch ${marker}) ; touch ${marker} \`id\`\n`);
    assert.equal(existsSync(marker), false);
  });

  it('kills the script on timeout and says so', async () => {
    const result = await check(['sleep', '5'], { timeoutMs: 200 });
    assert.equal(result.up, false);
    assert.match(result.detail, /sleep: timed out after 200 ms/);
  });

  it("kills the script's children too on timeout", async () => {
    const pidFile = join(dir, 'child.pid');
    const result = await check(['/bin/sh', '-c', `sleep 30 & echo $! > ${pidFile}; wait`], { timeoutMs: 300 });
    assert.equal(result.up, false);
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    // The kill is synchronous with the result; give the kernel a moment to reap.
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(alive(pid), false, `sleep ${pid} outlived the check`);
  });

  it('bounds the captured output and the detail', async () => {
    const result = await check(['/bin/sh', '-c', 'head -c 100000 /dev/zero | tr "\\0" y; exit 1']);
    assert.equal(result.up, false);
    assert.ok(Buffer.byteLength(result.output ?? '') <= OUTPUT_MAX_BYTES, `output is ${Buffer.byteLength(result.output ?? '')} bytes`);
    assert.match(result.output ?? '', /^y+\n\[… 100000 bytes in all, the rest not kept\]$/);
    assert.ok(result.detail.length <= 500);
  });

  it('throws for an empty argv (a bad spec)', async () => {
    await assert.rejects(check([]), /argv: a non-empty list/);
  });
});

/** Running, that is: a killed orphan may stay a zombie until init reaps it. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
