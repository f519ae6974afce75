// A local HTTP service whose health a test switches: 200 'ok', or 503 'down'
// for the paths `failing` names. Listens on a port of 127.0.0.1 the kernel picks.
import { createServer } from 'node:http';

export interface SwitchableServer {
  port: number;
  /** Which request paths answer 503; every path passes until a test says otherwise. */
  failing: (path: string) => boolean;
  url(path: string): string;
  close(): void;
}

export const ALL_PATHS = () => true;
export const NO_PATH = () => false;

export async function startSwitchableServer(): Promise<SwitchableServer> {
  const server = createServer((request, response) => {
    const down = target.failing(request.url ?? '/');
    response.statusCode = down ? 503 : 200;
    response.end(down ? 'down' : 'ok');
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const port = (server.address() as { port: number }).port;
  const target: SwitchableServer = { port, failing: NO_PATH, url: (path) => `http://127.0.0.1:${port}${path}`, close: () => server.close() };
  return target;
}
