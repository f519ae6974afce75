// HTTP(S) check: one request, status in the expected set, then optional body regex
// and JSON field condition on at most `maxBodyBytes` of the body. Redirects are
// not followed: a 3xx is an answer (up by default).
import { isDeepStrictEqual } from 'node:util';
import { Agent, request } from 'undici';
import { compileRegex, failure } from '../../core/checks/detail';
import type { HttpCheckSpec, Probe, StatusMatch } from '../../core/checks/types';

export const HTTP_DEFAULT_STATUS: StatusMatch[] = [{ from: 200, to: 399 }];
export const HTTP_DEFAULT_MAX_BODY_BYTES = 64 * 1024;

export const probeHttp: Probe<HttpCheckSpec> = async (spec, context) => {
  const url = new URL(spec.url); // a bad URL is a bad spec: throws
  const bodyRegex = spec.bodyRegex === undefined ? undefined : compileRegex(spec.bodyRegex, 'bodyRegex');
  const expected = spec.expectedStatus ?? HTTP_DEFAULT_STATUS;
  const maxBytes = spec.maxBodyBytes ?? HTTP_DEFAULT_MAX_BODY_BYTES;
  const method = (spec.method ?? 'GET').toUpperCase();
  // One agent per attempt: every probe measures a fresh connection (DNS, TCP, TLS),
  // and nothing outlives the attempt.
  const dispatcher = new Agent({ connect: { rejectUnauthorized: spec.tlsVerify ?? true } });
  try {
    let response;
    try {
      response = await request(url, { method: method as 'GET', headers: spec.headers, body: spec.body, dispatcher, signal: context.signal });
    } catch (error) {
      return { up: false, detail: failure(context, `${method} ${url.origin}${url.pathname}`, error) };
    }
    const status = response.statusCode;
    if (!expected.some((match) => statusMatches(status, match))) {
      discard(response.body);
      return { up: false, detail: `HTTP ${status}, expected ${expected.map(formatMatch).join(', ')}` };
    }
    if (!bodyRegex && !spec.json) {
      discard(response.body);
      return { up: true, detail: `HTTP ${status}` };
    }
    let body: { text: string; truncated: boolean };
    try {
      body = await readBounded(response.body, maxBytes);
    } catch (error) {
      return { up: false, detail: failure(context, `HTTP ${status}, reading the body`, error) };
    }
    const read = body.truncated ? ` (first ${maxBytes} bytes)` : '';
    if (bodyRegex && !bodyRegex.test(body.text)) {
      return { up: false, detail: `HTTP ${status}, body${read} does not match /${bodyRegex.source}/` };
    }
    if (spec.json) {
      const verdict = checkJson(body.text, spec.json);
      if (verdict) return { up: false, detail: `HTTP ${status}, ${verdict}${read}` };
    }
    return { up: true, detail: `HTTP ${status}` };
  } finally {
    await dispatcher.destroy();
  }
};

export function statusMatches(status: number, match: StatusMatch): boolean {
  return typeof match === 'number' ? status === match : status >= match.from && status <= match.to;
}

function formatMatch(match: StatusMatch): string {
  return typeof match === 'number' ? String(match) : `${match.from}-${match.to}`;
}

/** Null when the JSON condition holds, otherwise why not. */
export function checkJson(text: string, condition: { path: string; equals: unknown }): string | null {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return 'body is not JSON';
  }
  const found = jsonPointer(document, condition.path);
  if (!found.exists) return `JSON ${condition.path} is missing`;
  if (isDeepStrictEqual(found.value, condition.equals)) return null;
  return `JSON ${condition.path} is ${JSON.stringify(found.value)?.slice(0, 100)}, expected ${JSON.stringify(condition.equals)?.slice(0, 100)}`;
}

/** RFC 6901: '' is the whole document, '/a/0/b~1c' walks a → 0 → 'b/c'. */
export function jsonPointer(document: unknown, pointer: string): { exists: boolean; value?: unknown } {
  if (pointer === '') return { exists: true, value: document };
  if (!pointer.startsWith('/')) throw new TypeError(`json.path: a JSON pointer starts with '/', got ${JSON.stringify(pointer)}`);
  let value = document;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(value) ? !/^(0|[1-9]\d*)$/.test(key) || Number(key) >= value.length : !isObject(value) || !Object.hasOwn(value, key)) {
      return { exists: false };
    }
    value = (value as Record<string, unknown>)[key];
  }
  return { exists: true, value };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Stops reading a body; undici reports that as an abort error, which nobody needs to hear. */
function discard(body: NodeJS.EventEmitter & { destroy(): void }): void {
  body.on('error', () => {});
  body.destroy();
}

/** Reads at most `maxBytes`, then lets the rest go. */
async function readBounded(body: AsyncIterable<Buffer> & NodeJS.EventEmitter & { destroy(): void }, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    for await (const chunk of body) {
      const room = maxBytes - size;
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      size += Math.min(chunk.length, room);
      if (chunk.length > room || size >= maxBytes) {
        truncated = chunk.length > room;
        break;
      }
    }
  } finally {
    discard(body);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated };
}
