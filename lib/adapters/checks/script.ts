// Script check: run a program from an argv list, never through a shell, and call
// exit 0 up. stdout and stderr are captured together, bounded. On timeout (or
// cancellation) the whole process group is killed, so a script's own children
// do not outlive it (lib/adapters/process/run.ts).
import { bounded, failure } from '../../core/checks/detail';
import type { Probe, ScriptCheckSpec } from '../../core/checks/types';
import { inheritedEnv, runProgram } from '../process/run';

export const OUTPUT_MAX_BYTES = 4 * 1024;

export const probeScript: Probe<ScriptCheckSpec> = async (spec, context) => {
  if (!Array.isArray(spec.argv) || spec.argv.length === 0 || spec.argv.some((arg) => typeof arg !== 'string')) {
    throw new TypeError('argv: a non-empty list of strings');
  }
  const run = await runProgram(spec.argv, { env: inheritedEnv(spec.env), cwd: spec.cwd, signal: context.signal, maxOutputBytes: OUTPUT_MAX_BYTES });
  const detail =
    run.failed !== undefined
      ? failure(context, run.failed === 'spawn' ? `spawn ${spec.argv[0]}` : spec.argv[0], run.error)
      : run.code === 0
        ? 'exit 0'
        : run.signal
          ? `killed by ${run.signal}`
          : `exit ${run.code}`;
  const tail = run.output.trim() ? `: ${run.output.trim().slice(-300)}` : '';
  return { up: run.failed === undefined && run.code === 0, detail: bounded(`${detail}${tail}`), output: run.output };
};
