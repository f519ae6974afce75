// Finding a shop service from its pid file. A service outlives the `start` command
// that spawned it, so nobody here is its parent: where PID 1 does not reap orphans
// it lingers as a zombie, which signal 0 still reports as alive. Checking /proc
// tells a zombie from a running process; demo/shop/control.ts checks the command
// line, which tells our service from an unrelated process that got the pid later.
import { existsSync, readFileSync } from 'node:fs';

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

export function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}
