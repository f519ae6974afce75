// The ops listener, on its own port so it can stay private: Prometheus metrics,
// liveness (the process answers) and readiness (it can do useful work).
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../lib/adapters/log';
import type { Metrics } from '../lib/adapters/metrics';
import type { Readiness } from './readiness';

export async function buildOpsApp(deps: { metrics: Metrics; readiness: Readiness; log: Logger }): Promise<FastifyInstance> {
  // Probes and scrapes every few seconds: only problems are worth a log line.
  const app = Fastify({ loggerInstance: deps.log.child({ component: 'ops' }, { level: 'warn' }) as FastifyBaseLogger });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
  app.get('/-/healthy', async () => ({ healthy: true }));
  app.get('/-/ready', async (_request, reply) => {
    const report = await deps.readiness.report();
    return reply.status(report.ready ? 200 : 503).send(report);
  });
  return app;
}
