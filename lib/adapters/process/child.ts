// Child processes that `vigil up` owns (Temporal dev server, PostgreSQL). They run
// in their own process group so a Ctrl-C reaches Vigil first, which then stops them
// in order; a pid file lets the next start clean up after a Vigil that was killed.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface OwnedChild {
  name: string;
  process: ChildProcess;
  logFile: string;
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<number | string>;
}

export function spawnOwned(options: { name: string; command: string; args: string[]; logFile: string; pidFile: string; uid?: number; gid?: number; env?: NodeJS.ProcessEnv }): OwnedChild {
  mkdirSync(dirname(options.logFile), { recursive: true });
  mkdirSync(dirname(options.pidFile), { recursive: true });
  const log = openSync(options.logFile, 'a');
  const child = spawn(options.command, options.args, {
    detached: true,
    stdio: ['ignore', log, log],
    uid: options.uid,
    gid: options.gid,
    env: options.env ?? process.env,
  });
  closeSync(log);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      rmSync(options.pidFile, { force: true });
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', (error) => resolve(error.message));
  });
  if (child.pid) writeFileSync(options.pidFile, `${child.pid}\n`);
  return { name: options.name, process: child, logFile: options.logFile, exited };
}

/** Asks politely, then insists. Resolves once the process has exited. */
export async function stopOwned(child: OwnedChild, signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill(signal);
  const timedOut = await Promise.race([child.exited.then(() => false), sleep(graceMs).then(() => true)]);
  if (timedOut) {
    child.process.kill('SIGKILL');
    await child.exited;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/**
 * If a pid file names a live process whose command line contains `marker`
 * (a leftover of a Vigil that was killed), stops it. Returns its pid if it did.
 */
export async function stopLeftover(pidFile: string, marker: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | undefined> {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
  if (!Number.isInteger(pid) || pid <= 1 || !isAlive(pid) || !commandLine(pid).includes(marker)) {
    rmSync(pidFile, { force: true });
    return undefined;
  }
  process.kill(pid, signal);
  for (let waited = 0; waited < 15_000 && isAlive(pid); waited += 100) await sleep(100);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(pidFile, { force: true });
  return pid;
}

/** Polls `ready` until it returns true; fails early if the child exits. */
export async function waitUntilReady(child: OwnedChild, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  let exit: number | string | undefined;
  void child.exited.then((code) => (exit = code));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exit !== undefined) throw new Error(`${child.name} exited (${exit}) while starting; see ${child.logFile}:\n${tail(child.logFile)}`);
    if (await ready().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${child.name} did not become ready within ${timeoutMs / 1000} s; see ${child.logFile}:\n${tail(child.logFile)}`);
}

export function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
