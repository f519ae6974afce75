// The one way Vigil runs a program for a check, an action or a drift provider:
// argv, never a shell; a minimal inherited environment (the worker's secrets stay
// with the worker); its own process group, killed whole when the run ends so a
// program's children do not outlive it; a timeout and a caller's signal that kill
// the group; output kept within a bound. Two shapes of result on one runner:
// runProgram (stdout and stderr together, for people to read) and runCommand
// (stdout whole, for a caller that parses it).
import { spawn } from 'node:child_process';

/** The part of the worker's environment a program inherits. */
export const INHERITED_ENV: readonly string[] = ['PATH', 'HOME', 'LANG', 'TZ'];

/** The inherited part of the worker's environment plus `extra`. */
export function inheritedEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name];
  return { ...env, ...extra };
}

export interface RunOptions {
  /** The program's whole environment; inheritedEnv() when absent. */
  env?: Record<string, string>;
  cwd?: string;
  /** Aborting kills the process group; the run ends as 'aborted'. */
  signal?: AbortSignal;
  /** After this long the process group is killed; the run ends as 'timeout'. */
  timeoutMs?: number;
  /** Written to stdin, which is then closed; without it stdin is /dev/null. */
  input?: string | Buffer;
}

export type RunFailure = 'spawn' | 'aborted' | 'timeout' | 'output-limit';

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the program did not run to its end. */
  failed?: RunFailure;
  error?: Error;
}

/** Where output goes; `add` returns false when the output is over its limit (the run then stops). */
interface Capture {
  add(stream: 'stdout' | 'stderr', chunk: Buffer): boolean;
}

/** After the program exits, how long its pipes may stay open (held by a child that left its group). */
const PIPE_GRACE_MS = 200;

/** Runs argv to its end (or its failure) into `capture`. Never rejects. */
function runInto(argv: readonly string[], options: RunOptions, capture: Capture): Promise<Exit> {
  const [program, ...args] = argv;
  const { signal, timeoutMs } = options;
  return new Promise<Exit>((resolve) => {
    if (signal?.aborted) return resolve({ code: null, signal: null, failed: 'aborted' });
    const child = spawn(program, args, {
      shell: false,
      env: options.env ?? inheritedEnv(),
      cwd: options.cwd,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let exit: Exit | undefined;
    let settled = false;
    let grace: NodeJS.Timeout | undefined;
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => finish({ code: null, signal: null, failed: 'timeout' }), timeoutMs);
    const finish = (result: Exit) => {
      if (settled) return;
      settled = true;
      clearTimeout(grace);
      clearTimeout(timer);
      killGroup(child.pid);
      signal?.removeEventListener('abort', onAbort);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve(result);
    };
    const onAbort = () => finish({ code: null, signal: null, failed: 'aborted' });
    signal?.addEventListener('abort', onAbort, { once: true });
    const take = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      if (!capture.add(stream, chunk)) finish({ code: null, signal: null, failed: 'output-limit' });
    };
    child.stdout?.on('data', take('stdout'));
    child.stderr?.on('data', take('stderr'));
    child.once('error', (error) => finish({ code: null, signal: null, failed: 'spawn', error }));
    child.once('exit', (code, exitSignal) => {
      exit = { code, signal: exitSignal };
      // What the group left behind dies now; its pipes then close once drained.
      killGroup(child.pid);
      grace = setTimeout(() => finish(exit!), PIPE_GRACE_MS);
    });
    child.once('close', () => {
      if (exit) finish(exit);
    });
    if (child.stdin) {
      child.stdin.on('error', () => {}); // a program that exits without reading stdin is not our error
      child.stdin.end(options.input);
    }
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: nothing left
  }
}

export interface ProgramRun extends Exit {
  /** stdout and stderr together, in the order they came, at most maxBytes (with a note when cut). */
  output: string;
}

/** Runs argv for a person to read what it printed (script checks, exec actions). Never rejects. */
export async function runProgram(argv: readonly string[], options: RunOptions & { maxOutputBytes: number }): Promise<ProgramRun> {
  const output = new BoundedOutput(options.maxOutputBytes);
  const exit = await runInto(argv, options, { add: (_stream, chunk) => (output.add(chunk), true) });
  return { ...exit, output: output.text() };
}

export interface CommandResult {
  code: number;
  stdout: Buffer;
  /** The end of stderr, trimmed. */
  stderr: string;
}

export class ExecError extends Error {
  override name = 'ExecError';
}

const STDOUT_MAX_BYTES = 64 * 1024 * 1024;
const STDERR_TAIL_CHARS = 1000;

/**
 * Runs argv for its stdout (drift providers, git): resolves with the exit code
 * and output; rejects with an ExecError only when it could not run to its end
 * (could not start, timed out, was cancelled or killed, printed too much).
 */
export async function runCommand(argv: readonly string[], options: RunOptions & { maxStdoutBytes?: number }): Promise<CommandResult> {
  const max = options.maxStdoutBytes ?? STDOUT_MAX_BYTES;
  const stdout: Buffer[] = [];
  let stdoutBytes = 0;
  let stderr = '';
  const exit = await runInto(argv, options, {
    add(stream, chunk) {
      if (stream === 'stderr') {
        stderr = (stderr + chunk.toString('utf8')).slice(-4 * STDERR_TAIL_CHARS);
        return true;
      }
      stdoutBytes += chunk.length;
      stdout.push(chunk);
      return stdoutBytes <= max;
    },
  });
  const stderrText = stderr.trim().slice(-STDERR_TAIL_CHARS);
  if (exit.code === null) {
    const why: Record<RunFailure, string> = {
      spawn: exit.error?.message.split('\n')[0] ?? 'could not start',
      aborted: 'cancelled',
      timeout: `timed out after ${options.timeoutMs} ms`,
      'output-limit': `printed more than ${max} bytes`,
    };
    const reason = exit.failed ? why[exit.failed] : `killed by ${exit.signal}`;
    throw new ExecError(`${argv[0]}: ${reason}${stderrText ? `: ${stderrText}` : ''}`);
  }
  return { code: exit.code, stdout: Buffer.concat(stdout), stderr: stderrText };
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
