// Running one remediation action: a program (argv, never a shell) or an HTTP
// call. Notifications are sent by the caller, which has the notifiers.
import { statusMatches } from '../checks/http';
import { inheritedEnv, runProgram } from '../process/run';
import type { ActionOutcome, ExecActionSpec, HttpActionSpec } from '../../core/actions/types';

const OUTPUT_MAX = 4 * 1024;

export async function runExecAction(spec: ExecActionSpec, signal?: AbortSignal): Promise<ActionOutcome> {
  const run = await runProgram(spec.argv, { env: inheritedEnv(spec.env), cwd: spec.cwd, signal, timeoutMs: spec.timeoutMs, maxOutputBytes: OUTPUT_MAX });
  if (run.failed === 'spawn') return { ok: false, detail: `could not start ${spec.argv[0]}: ${run.error?.message ?? 'unknown error'}`, output: run.output };
  if (run.failed === 'timeout') return { ok: false, detail: `timed out after ${spec.timeoutMs} ms`, output: run.output };
  if (run.failed) return { ok: false, detail: 'cancelled', output: run.output };
  if (run.code === null) return { ok: false, detail: `killed by ${run.signal}`, output: run.output };
  const ok = spec.expectedExitCodes.includes(run.code);
  return { ok, detail: `exit ${run.code}${ok ? '' : ` (expected ${spec.expectedExitCodes.join(' or ')})`}`, exitCode: run.code, output: run.output };
}

export async function runHttpAction(spec: HttpActionSpec, signal?: AbortSignal): Promise<ActionOutcome> {
  const timeout = AbortSignal.timeout(spec.timeoutMs);
  try {
    const response = await fetch(spec.url, {
      method: spec.method,
      headers: spec.headers,
      body: spec.body,
      redirect: 'manual',
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    const text = (await response.text()).slice(0, OUTPUT_MAX);
    const ok = spec.expectedStatus.some((match) => statusMatches(response.status, match));
    return { ok, detail: `HTTP ${response.status}${ok ? '' : ' (not an expected status)'}`, httpStatus: response.status, output: text };
  } catch (error) {
    const detail = timeout.aborted ? `timed out after ${spec.timeoutMs} ms` : `request failed: ${(error as Error).cause ? String((error as Error).cause) : (error as Error).message}`;
    return { ok: false, detail, output: '' };
  }
}
