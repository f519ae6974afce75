// Running a check: look its probe up in the registry, make attempts with a
// timeout each, retry with backoff while it is down, and report the last attempt.
// A down service is a result; only a bad spec (a programming error) throws.
import { bounded } from '../../core/checks/detail';
import { probeGrpc } from './grpc';
import { probeHttp } from './http';
import { withRetries, type Jitter, type Sleep } from '../../core/checks/retry';
import { probeScript } from './script';
import { probeTcp } from './tcp';
import type { CheckResult, CheckSpec, CheckType, Probe, ProbeOutcome } from '../../core/checks/types';

export type * from '../../core/checks/types';
export { backoffDelay, type RetryPolicy } from '../../core/checks/retry';

export const DEFAULT_TIMEOUT_MS = 5_000;

type Registry = { [T in CheckType]: Probe<Extract<CheckSpec, { type: T }>> };

export const probes: Registry = { http: probeHttp, tcp: probeTcp, grpc: probeGrpc, script: probeScript };

export interface RunCheckOptions {
  /** Cancels the whole run (e.g. the activity's cancellation signal). */
  signal?: AbortSignal;
  /** Jitter source for the backoff; Math.random by default. */
  jitter?: Jitter;
  sleep?: Sleep;
  /** Clock for latency, in milliseconds. */
  now?: () => number;
}

export async function runCheck(spec: CheckSpec, options: RunCheckOptions = {}): Promise<CheckResult> {
  const probe = Object.hasOwn(probes, spec.type) ? (probes[spec.type] as Probe<CheckSpec>) : undefined;
  if (!probe) throw new TypeError(`unknown check type ${JSON.stringify(spec.type)}`);
  const timeoutMs = spec.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${timeoutMs}`);
  const now = options.now ?? (() => performance.now());

  const attempt = async (): Promise<ProbeOutcome & { latencyMs: number }> => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const started = now();
    const outcome = await probe(spec, { signal, timeoutMs });
    return { ...outcome, latencyMs: Math.max(0, Math.round(now() - started)) };
  };
  const { value, attempts } = await withRetries(attempt, (outcome) => outcome.up, {
    policy: spec.retry,
    jitter: options.jitter,
    sleep: options.sleep,
    signal: options.signal,
  });
  const result: CheckResult = { up: value.up, latencyMs: value.latencyMs, detail: bounded(value.detail), attempts };
  if (value.output !== undefined) result.output = value.output;
  return result;
}
