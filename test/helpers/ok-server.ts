// A local HTTP service that is always healthy: it answers 200 'ok' to every
// request, on a port of 127.0.0.1 the kernel picks. What a test watches when it
// needs a service that is simply up.
import { createServer } from 'node:http';

export interface OkServer {
  port: number;
  close(): void;
}

export async function startOkServer(): Promise<OkServer> {
  const server = createServer((_request, response) => response.end('ok'));
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  return { port: (server.address() as { port: number }).port, close: () => server.close() };
}
