// Listens with the API and ops apps, and closes them in the right order:
// readiness goes false, the API stops taking requests and finishes those in
// flight (up to server.drainMs), then the ops listener closes.
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app';
import type { ApiDeps } from './deps';
import { buildOpsApp } from './ops';
import { Readiness } from './readiness';

export interface RunningApi {
  app: FastifyInstance;
  ops: FastifyInstance;
  readiness: Readiness;
  url: string;
  opsUrl: string;
  close(): Promise<void>;
}

export async function startApi(deps: ApiDeps): Promise<RunningApi> {
  const { server } = deps.config;
  const readiness = new Readiness({ pool: deps.pool, connection: deps.temporal.connection, metrics: deps.metrics });
  const app = await buildApp(deps);
  const ops = await buildOpsApp({ metrics: deps.metrics, readiness, log: deps.log });
  await app.listen({ host: server.host, port: server.port, listenTextResolver: () => '' });
  try {
    await ops.listen({ host: server.ops.host, port: server.ops.port, listenTextResolver: () => '' });
  } catch (error) {
    await app.close();
    throw error;
  }
  const url = `http://${displayHost(server.host)}:${server.port}`;
  const opsUrl = `http://${displayHost(server.ops.host)}:${server.ops.port}`;
  deps.log.info({ url, opsUrl }, 'API listening');
  return {
    app,
    ops,
    readiness,
    url,
    opsUrl,
    async close() {
      readiness.startDraining();
      let timer: NodeJS.Timeout | undefined;
      const drained = app.close();
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          app.server.closeAllConnections();
          resolve();
        }, server.drainMs);
      });
      await Promise.race([drained, deadline]);
      clearTimeout(timer);
      await ops.close();
    },
  };
}

function displayHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}
