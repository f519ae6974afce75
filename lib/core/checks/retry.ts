// Retries inside one check run: exponential backoff with full jitter (a delay drawn
// uniformly from [0, min(cap, base · factor^(n-1))]), which spreads a fleet's
// retries out instead of having them hit a recovering service in step.
// The jitter source and the sleep are injectable so tests are deterministic.

export interface RetryPolicy {
  /** Extra attempts after the first. Default 0. */
  retries?: number;
  /** Ceiling of the first delay. Default 200 ms. */
  baseDelayMs?: number;
  /** No delay is longer than this. Default 5,000 ms. */
  maxDelayMs?: number;
  /** Growth of the ceiling per retry. Default 2. */
  factor?: number;
}

export const RETRY_DEFAULTS: Required<RetryPolicy> = { retries: 0, baseDelayMs: 200, maxDelayMs: 5_000, factor: 2 };

/** A number in [0, 1), like Math.random. */
export type Jitter = () => number;
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Delay before retry number `retry` (1 for the first retry). Pure. */
export function backoffDelay(retry: number, policy: RetryPolicy = {}, jitter: Jitter = Math.random): number {
  if (!Number.isInteger(retry) || retry < 1) throw new RangeError(`retry must be an integer >= 1, got ${retry}`);
  const { baseDelayMs, maxDelayMs, factor } = { ...RETRY_DEFAULTS, ...policy };
  const ceiling = Math.min(maxDelayMs, baseDelayMs * factor ** (retry - 1));
  const fraction = Math.min(Math.max(jitter(), 0), 1);
  return Math.floor(fraction * ceiling);
}

/** Rejects with the signal's reason when it aborts, like node:timers/promises (the core imports no Node module). */
export const defaultSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export interface Attempted<T> {
  value: T;
  attempts: number;
}

/**
 * Runs `attempt` until `done(value)` or the retries are used up, sleeping a
 * backoff delay in between. Stops early when `signal` aborts. What `attempt`
 * throws is not retried: it propagates.
 */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  done: (value: T) => boolean,
  options: { policy?: RetryPolicy; jitter?: Jitter; sleep?: Sleep; signal?: AbortSignal } = {},
): Promise<Attempted<T>> {
  const retries = options.policy?.retries ?? RETRY_DEFAULTS.retries;
  const sleep = options.sleep ?? defaultSleep;
  let attempts = 1;
  let value = await attempt(attempts);
  while (!done(value) && attempts <= retries && !options.signal?.aborted) {
    try {
      await sleep(backoffDelay(attempts, options.policy, options.jitter), options.signal);
    } catch (error) {
      if (options.signal?.aborted) break;
      throw error;
    }
    attempts += 1;
    value = await attempt(attempts);
  }
  return { value, attempts };
}
