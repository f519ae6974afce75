// The live overview: GET /api/v1/events read with fetch (EventSource cannot send
// an Authorization header), parsed as text/event-stream, and reconnected with
// backoff (1 s doubling to 10 s) whenever it ends or fails.

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 10_000;
/** The server sends a keepalive every 15 s: this long without a byte means the connection is dead. */
const SILENCE_MS = 45_000;

/**
 * A text/event-stream parser: feed it decoded text in chunks of any size; it
 * calls `onEvent({ type, data })` for each complete event. Comments and
 * fields other than `event` and `data` (id, retry) are ignored.
 */
export function eventStreamParser(onEvent) {
  let buffer = '';
  let type = '';
  let data = [];

  function line(text) {
    if (text === '') {
      if (data.length) onEvent({ type: type || 'message', data: data.join('\n') });
      type = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
  }

  return (chunk) => {
    buffer += chunk;
    // Lines end in \n, \r\n or \r; a \r at the very end may be the first half of \r\n.
    for (;;) {
      const match = /\r\n|\r(?!$)|\n/.exec(buffer);
      if (!match) break;
      line(buffer.slice(0, match.index));
      buffer = buffer.slice(match.index + match[0].length);
    }
  };
}

/**
 * Keeps a stream open until `stop()`. Calls `onOverview(overview)` for each
 * `overview` event, `onState('live' | 'reconnecting')`, and `onUnauthorized(message)`
 * (and stops) when the token is refused.
 */
export function liveOverview(api, { onOverview, onState, onUnauthorized }) {
  let stopped = false;
  let delay = FIRST_DELAY_MS;
  let controller;
  let retryTimer;
  let silenceTimer;

  function watchSilence() {
    clearTimeout(silenceTimer);
    silenceTimer = setTimeout(() => controller?.abort(), SILENCE_MS);
  }

  async function connect() {
    controller = new AbortController();
    try {
      const response = await api.stream('/api/v1/events', controller.signal);
      if (response.status === 401) {
        const body = await response.json().catch(() => ({}));
        stopped = true;
        onUnauthorized(typeof body.message === 'string' ? body.message : 'the token was refused');
        return;
      }
      if (!response.ok || !response.body) throw new Error(`events: ${response.status}`);
      const parse = eventStreamParser((event) => {
        if (event.type !== 'overview') return;
        let overview;
        try {
          overview = JSON.parse(event.data);
        } catch {
          return;
        }
        delay = FIRST_DELAY_MS;
        onState('live');
        onOverview(overview);
      });
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      watchSilence();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        watchSilence();
        parse(decoder.decode(value, { stream: true }));
      }
    } catch {
      // Ended, refused or aborted: reconnect below, unless stopped.
    } finally {
      clearTimeout(silenceTimer);
    }
    if (stopped) return;
    onState('reconnecting');
    retryTimer = setTimeout(() => void connect(), delay);
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }

  void connect();
  return {
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
      clearTimeout(silenceTimer);
      controller?.abort();
    },
  };
}
