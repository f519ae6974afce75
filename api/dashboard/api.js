// Calls to /api/v1 with the signed-in token. A failure is an ApiError carrying
// the API's own message (`{ error, message }`), which the dashboard shows as is.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** A client for one token: `get(path)`, `post(path, body?)`, and `stream(path, signal)` for the raw response. */
export function apiClient(token) {
  const authorization = `Bearer ${token}`;

  async function call(method, path, body) {
    const headers = { authorization, accept: 'application/json' };
    const init = { method, headers, cache: 'no-store' };
    // Routes without a body schema reject an empty JSON body: send none at all.
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch {
      throw new ApiError(0, 'network', "Vigil's API could not be reached; is it running?");
    }
    const text = await response.text();
    let data;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (!response.ok) {
      const message = data && typeof data.message === 'string' ? data.message : `${response.status} ${response.statusText}`;
      throw new ApiError(response.status, data && typeof data.error === 'string' ? data.error : 'http_error', message);
    }
    return data;
  }

  return {
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body),
    stream: (path, signal) => fetch(path, { headers: { authorization, accept: 'text/event-stream' }, cache: 'no-store', signal }),
  };
}

/** `/api/v1/services/<name>`, with each segment encoded. */
export function apiPath(...segments) {
  return `/api/v1/${segments.map((segment) => encodeURIComponent(segment)).join('/')}`;
}
