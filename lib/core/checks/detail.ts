// Keeping what a check reports small and readable: details end up in workflow
// history, the database and notifications.
import type { ProbeContext } from './types';

export const DETAIL_MAX = 500;

/** `text` cut to at most `max` characters, marked when cut. */
export function bounded(text: string, max = DETAIL_MAX): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max - 1)}…`;
}

/** Why an attempt failed, in one line: a timeout or cancellation says so instead of the I/O error it caused. */
export function failure(context: ProbeContext, what: string, error?: unknown): string {
  if (context.signal.aborted) {
    const reason: unknown = context.signal.reason;
    const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
    return timedOut ? `${what}: timed out after ${context.timeoutMs} ms` : `${what}: cancelled`;
  }
  if (error === undefined) return what;
  const message = error instanceof Error ? error.message || error.name : String(error);
  const code = (error as { code?: unknown }).code;
  return `${what}: ${typeof code === 'string' && !message.includes(code) ? `${code} ` : ''}${message}`;
}

/** A regular expression from a spec; a bad one is a spec validation should have refused. */
export function compileRegex(source: string, field: string): RegExp {
  try {
    return new RegExp(source);
  } catch (error) {
    throw new TypeError(`${field}: invalid regular expression ${JSON.stringify(source)}: ${(error as Error).message}`);
  }
}
