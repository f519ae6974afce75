// Posting a notification body: one JSON POST with a timeout, no redirects followed
// (a redirect could carry secret headers elsewhere), and errors that say what went
// wrong without the secrets: the URL shows only its origin, and the URL and header
// values are scrubbed from anything the receiver echoed back.
import { NON_RETRYABLE_NOTIFY_ERROR } from '../../core/notify/types';
import { REDACTED as MASK } from '../../core/redact';

export const NOTIFY_TIMEOUT_MS = 10_000;
const BODY_EXCERPT_CHARS = 200;

export class NotifyError extends Error {
  readonly retryable: boolean;
  readonly status?: number;

  constructor(message: string, options: { retryable: boolean; status?: number }) {
    super(message);
    this.retryable = options.retryable;
    this.status = options.status;
    // Temporal turns a thrown Error into an ApplicationFailure whose type is this name.
    this.name = options.retryable ? 'NotifyError' : NON_RETRYABLE_NOTIFY_ERROR;
  }
}

/** `https://hooks.slack.com/services/T/B/x` → `https://hooks.slack.com/[redacted]`. */
export function redactWebhookUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const hasSecretPart = parsed.pathname !== '/' || parsed.search !== '' || parsed.hash !== '';
    return hasSecretPart ? `${parsed.origin}/${MASK}` : parsed.origin;
  } catch {
    return MASK;
  }
}

/** Throws (non-retryable, URL not shown) unless `url` is an absolute http(s) URL. */
export function checkWebhookUrl(notifier: string, url: string): void {
  let protocol = '';
  try {
    protocol = new URL(url).protocol;
  } catch {
    // reported below
  }
  if (protocol !== 'https:' && protocol !== 'http:') {
    throw new NotifyError(`${notifier}: the webhook URL is not an absolute http(s) URL`, { retryable: false });
  }
}

/** 4xx other than 408 and 429 (and any 3xx, which we do not follow) will fail again. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

export interface PostJsonOptions {
  notifier: string;
  url: string;
  headers?: Record<string, string>;
  body: unknown;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export async function postJson(options: PostJsonOptions): Promise<void> {
  const { notifier, url, headers = {}, body, timeoutMs = NOTIFY_TIMEOUT_MS } = options;
  // Longest first, so that the whole URL goes before its path does.
  const secrets = [url, ...urlSecretParts(url), ...Object.values(headers)].filter((secret) => secret.length >= 4).sort((a, b) => b.length - a.length);
  const scrub = (text: string) => secrets.reduce((result, secret) => result.split(secret).join(MASK), text);
  const target = `${notifier}: POST ${redactWebhookUrl(url)}`;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;

  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { ...withoutContentType(headers), 'content-type': 'application/json' },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal,
    });
  } catch (error) {
    throw new NotifyError(scrub(`${target} failed: ${describeFetchError(error, timeout, timeoutMs)}`), { retryable: true });
  }

  if (response.status >= 200 && response.status < 300) {
    await response.body?.cancel().catch(() => undefined);
    return;
  }
  const text = await response.text().catch(() => '');
  const excerpt = text.slice(0, BODY_EXCERPT_CHARS).replace(/\s+/g, ' ').trim();
  throw new NotifyError(scrub(`${target} answered ${response.status}${excerpt ? `: ${excerpt}` : ''}`), {
    retryable: isRetryableStatus(response.status),
    status: response.status,
  });
}

/** Path and query are where webhook URLs keep their token; a receiver may echo them. */
function urlSecretParts(url: string): string[] {
  try {
    const { pathname, search } = new URL(url);
    return [pathname + search, pathname, search.slice(1)].filter((part) => part !== '/');
  } catch {
    return [];
  }
}

function withoutContentType(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-type'));
}

function describeFetchError(error: unknown, timeout: AbortSignal, timeoutMs: number): string {
  if (timeout.aborted) return `timed out after ${timeoutMs} ms`;
  if (error instanceof Error && error.name === 'AbortError') return 'aborted';
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
