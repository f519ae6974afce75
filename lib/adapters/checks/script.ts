// Script check: run a program from an argv list, never through a shell, and call
// exit 0 up. stdout and stderr are captured together, bounded. On timeout (or
// cancellation) the whole process group is killed, so a script's own children
// do not outlive it.
import { spawn } from 'node:child_process';
import { bounded, failure } from '../../core/checks/detail';
import type { Probe, ScriptCheckSpec } from '../../core/checks/types';

export const OUTPUT_MAX_BYTES = 4 * 1024;
/** After the script exits, how long its pipes may stay open (held by a child it left behind). */
const PIPE_GRACE_MS = 200;
/** The part of the environment a script inherits; the worker's secrets stay with the worker. */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'TZ'];

export const probeScript: Probe<ScriptCheckSpec> = async (spec, context) => {
  if (!Array.isArray(spec.argv) || spec.argv.length === 0 || spec.argv.some((arg) => typeof arg !== 'string')) {
    throw new TypeError('argv: a non-empty list of strings');
  }
  const run = await runProgram(spec.argv, { env: spec.env, cwd: spec.cwd, signal: context.signal });
  const detail =
    run.failed !== undefined
      ? failure(context, run.failed === 'aborted' ? spec.argv[0] : `spawn ${spec.argv[0]}`, run.error)
      : run.code === 0
        ? 'exit 0'
        : run.signal
          ? `killed by ${run.signal}`
          : `exit ${run.code}`;
  const tail = run.output.trim() ? `: ${run.output.trim().slice(-300)}` : '';
  return { up: run.failed === undefined && run.code === 0, detail: bounded(`${detail}${tail}`), output: run.output };
};

export interface ProgramRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr together, at most OUTPUT_MAX_BYTES. */
  output: string;
  /** Set when the program did not run to its end: it could not start, or `signal` aborted it. */
  failed?: 'spawn' | 'aborted';
  error?: Error;
}

/**
 * Runs argv without a shell, in its own process group, with a minimal inherited
 * environment plus `env`. Aborting kills the whole group, and so does the end of
 * the run (stray children do not outlive it). Never rejects.
 */
export function runProgram(argv: string[], options: { env?: Record<string, string>; cwd?: string; signal: AbortSignal }): Promise<ProgramRun> {
  const [program, ...args] = argv;
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name];
  Object.assign(env, options.env);
  const { signal } = options;

  return new Promise<ProgramRun>((resolve) => {
    if (signal.aborted) return resolve({ code: null, signal: null, output: '', failed: 'aborted' });
    const output = new BoundedOutput(OUTPUT_MAX_BYTES);
    const child = spawn(program, args, { shell: false, env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let settled = false;
    let grace: NodeJS.Timeout | undefined;
    const finish = (run: Omit<ProgramRun, 'output'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(grace);
      killGroup(child.pid);
      signal.removeEventListener('abort', onAbort);
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ ...run, output: output.text() });
    };
    const fromExit = () => finish({ code: exit!.code, signal: exit!.signal });
    const onAbort = () => finish({ code: null, signal: null, failed: 'aborted' });
    signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => output.add(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.add(chunk));
    child.once('error', (error) => finish({ code: null, signal: null, failed: 'spawn', error }));
    child.once('exit', (code, exitSignal) => {
      exit = { code, signal: exitSignal };
      grace = setTimeout(fromExit, PIPE_GRACE_MS);
    });
    child.once('close', () => {
      if (exit) fromExit();
    });
  });
}

/** Kills what is left of the script's process group (all of it on timeout, stray children otherwise). */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: nothing left
  }
}

/** Keeps the first `max` bytes and counts the rest. */
class BoundedOutput {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private dropped = 0;

  constructor(private readonly max: number) {}

  add(chunk: Buffer): void {
    const room = this.max - this.size;
    if (room > 0) this.chunks.push(chunk.subarray(0, room));
    this.size += Math.min(room, chunk.length);
    this.dropped += Math.max(0, chunk.length - Math.max(room, 0));
  }

  /** At most `max` bytes of UTF-8, with a note when some output was dropped. */
  text(): string {
    const all = Buffer.concat(this.chunks);
    if (!this.dropped) return all.toString('utf8');
    const note = `\n[… ${this.dropped + this.size} bytes in all, the rest not kept]`;
    // 4 bytes of slack: a cut multi-byte character decodes to U+FFFD (3 bytes).
    return all.subarray(0, this.max - Buffer.byteLength(note) - 4).toString('utf8') + note;
  }
}
