// Finding the demo service from its pid file. The service outlives the `start`
// command that spawned it, so nobody here is its parent: where PID 1 does not reap
// orphans it lingers as a zombie, which signal 0 still reports as alive. Checking
// /proc tells a zombie from a running process, and the command line tells the demo
// from an unrelated process that got the same pid later.
import { existsSync, readFileSync, rmSync } from 'node:fs';

/** The marker in the service's command line (`node bin/vigil-demo.js serve`). */
export const COMMAND_MARKER = 'vigil-demo';

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // "pid (comm) S ..." — comm may contain spaces and parentheses; the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return existsSync(`/proc/${pid}`) || !existsSync('/proc/self'); // no procfs: trust signal 0
  }
}

function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

export function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The pid of a running demo service per the pid file; removes a stale pid file. */
export function runningDemo(pidFile: string): { pid: number } | { stale?: number } {
  const pid = readPid(pidFile);
  if (pid === undefined) return {};
  const cmdline = commandLine(pid);
  if (isRunning(pid) && (cmdline === undefined || cmdline.includes(COMMAND_MARKER))) return { pid };
  rmSync(pidFile, { force: true });
  return { stale: pid };
}
