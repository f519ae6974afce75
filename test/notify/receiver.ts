// A real HTTP receiver on 127.0.0.1 for notifier tests: records every request
// (method, path, headers, parsed JSON body) and answers by path:
//   /status/<code>/…   answers <code> with a body that echoes the request path
//   /hang/…            never answers (timeouts)
//   anything else      200 "ok" (what Slack answers); while `hold` is set the
//                      answer waits for `release()`; while `outage` is set, paths
//                      that start with it answer 503 (Slack down)
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface Receiver {
  url(path: string): string;
  requests: ReceivedRequest[];
  /** While true, "ok" answers wait for release(). */
  hold: boolean;
  /** While set, "ok" paths starting with it answer 503. */
  outage?: string;
  release(): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let held: (() => void)[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // recorded as text
      }
      const path = request.url ?? '/';
      requests.push({ method: request.method ?? '', path, headers: request.headers, body });
      if (path.startsWith('/hang/')) return;
      const status = /^\/status\/(\d{3})\//.exec(path);
      if (status) {
        response.writeHead(Number(status[1]), { 'content-type': 'text/plain' });
        response.end(`no_service: nothing at ${path} (auth ${request.headers.authorization ?? 'none'})`);
        return;
      }
      if (receiver.outage !== undefined && path.startsWith(receiver.outage)) {
        response.writeHead(503, { 'content-type': 'text/plain' });
        response.end('service_unavailable');
        return;
      }
      const answer = () => {
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.end('ok');
      };
      if (receiver.hold) held.push(answer);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requests,
    hold: false,
    release() {
      receiver.hold = false;
      const answers = held;
      held = [];
      for (const answer of answers) answer();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return receiver;
}
