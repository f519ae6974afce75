// The claim `vigil up` puts on its data directory (lib/process/data-dir-lock.ts),
// with real processes: a live Vigil keeps it, a dead one's is taken over.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DataDirInUse, lockDataDir } from '../../lib/adapters/process/data-dir-lock';

describe('data directory claim', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-lock-'));
    dirs.push(dir);
    return dir;
  };
  const claimBy = (dir: string, pid: number) => {
    mkdirSync(join(dir, 'run'), { recursive: true });
    writeFileSync(join(dir, 'run', 'vigil.pid'), `${pid}\n`);
  };
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('is taken by the first, refused to a second while the first lives, and free again once released', () => {
    const dir = dataDir();
    const lock = lockDataDir(dir);
    assert.equal(readFileSync(join(dir, 'run', 'vigil.pid'), 'utf8').trim(), String(process.pid));
    lock.release();
    assert.equal(existsSync(join(dir, 'run', 'vigil.pid')), false);
    lockDataDir(dir).release();
  });

  it('names a live Vigil that holds it', async () => {
    const dir = dataDir();
    // A process whose command line says vigil, as `node bin/vigil.js up` does.
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', 'vigil', 'up'], { stdio: 'ignore' });
    try {
      await new Promise((resolveSpawn) => other.once('spawn', resolveSpawn));
      claimBy(dir, other.pid!);
      assert.throws(
        () => lockDataDir(dir),
        (error: Error) => error instanceof DataDirInUse && error.message.startsWith(`another vigil up (pid ${other.pid}) is running on ${dir}; stop it first`),
      );
    } finally {
      other.kill('SIGKILL');
    }
  });

  it("takes over the claim of a Vigil that is gone, or of a pid that is now another program's", async () => {
    const dir = dataDir();
    const gone = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise((resolveExit) => gone.once('exit', resolveExit));
    claimBy(dir, gone.pid!);
    lockDataDir(dir).release();
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await new Promise((resolveSpawn) => stranger.once('spawn', resolveSpawn));
      claimBy(dir, stranger.pid!);
      const lock = lockDataDir(dir);
      assert.equal(readFileSync(join(dir, 'run', 'vigil.pid'), 'utf8').trim(), String(process.pid));
      lock.release();
    } finally {
      stranger.kill('SIGKILL');
    }
  });
});
