// Running a program for the drift activities (git, provider commands): argv,
// never a shell; stdout kept whole (bounded), stderr for errors; optional stdin.
import { execFile } from 'node:child_process';

export interface ExecResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export class ExecError extends Error {
  override name = 'ExecError';
}

const MAX_BUFFER = 64 * 1024 * 1024;
/** The part of the environment a provider command inherits; the worker's secrets stay with the worker. */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'TZ'];

export function minimalEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name];
  return { ...env, ...extra };
}

/** Runs argv and resolves with its exit code and output; rejects only when it could not run or timed out. */
export function run(
  argv: readonly string[],
  options: { timeoutMs: number; env?: Record<string, string>; cwd?: string; input?: string | Buffer; signal?: AbortSignal },
): Promise<ExecResult> {
  const [program, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = execFile(
      program,
      args,
      { encoding: 'buffer', timeout: options.timeoutMs, killSignal: 'SIGKILL', maxBuffer: MAX_BUFFER, env: options.env ?? minimalEnv(), cwd: options.cwd, signal: options.signal, shell: false },
      (error, stdout, stderr) => {
        const stderrText = stderr.toString('utf8').trim().slice(-1000);
        if (error && typeof error.code !== 'number') {
          const why = error.killed ? `timed out after ${options.timeoutMs} ms` : error.message.split('\n')[0];
          reject(new ExecError(`${program}: ${why}${stderrText ? `: ${stderrText}` : ''}`));
          return;
        }
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr: stderrText });
      },
    );
    child.stdin?.on('error', () => {}); // a program that exits without reading stdin is not our error
    child.stdin?.end(options.input ?? '');
  });
}
