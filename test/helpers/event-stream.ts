// Reads a text/event-stream over real HTTP, the way the dashboard does (fetch
// with a bearer token, since EventSource cannot send one): `next(name)` waits
// for the next event of that name, `ended` settles when the server ends it.
import assert from 'node:assert/strict';

export interface ServerEvent {
  event: string;
  data: string;
}

export interface EventStream {
  contentType: string;
  next(name: string, timeoutMs?: number): Promise<ServerEvent>;
  /** True once the server has ended the stream. */
  ended: Promise<boolean>;
  close(): void;
}

export async function openEventStream(url: string, token: string): Promise<EventStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
  assert.equal(response.status, 200, await (response.status === 200 ? Promise.resolve('') : response.text()));
  const queue: ServerEvent[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n').filter((line) => !line.startsWith(':'));
          const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trimStart());
          if (!data.length) continue;
          const name =
            lines
              .find((line) => line.startsWith('event:'))
              ?.slice(6)
              .trim() ?? 'message';
          queue.push({ event: name, data: data.join('\n') });
          wake?.();
        }
      }
      return true;
    } catch {
      return false;
    } finally {
      done = true;
      wake?.();
    }
  })();

  return {
    contentType: response.headers.get('content-type') ?? '',
    ended,
    async next(name, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const index = queue.findIndex((event) => event.event === name);
        if (index >= 0) return queue.splice(0, index + 1).at(-1)!;
        if (done) throw new Error(`the stream ended before a "${name}" event`);
        if (Date.now() > deadline) throw new Error(`no "${name}" event within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 250);
        });
      }
    },
    close: () => abort.abort(),
  };
}
